//! One department's quarterly score (季度考核得分).
//!
//! 1. Each category scores its points: manual categories what the assessor
//!    entered (with evidence); computed rate categories (coverage, efficiency,
//!    data exchange, satisfaction) `ratio × effective maximum`; case volume its
//!    tier.
//! 2. **Nothing to measure is not full marks.** A rate category whose
//!    denominator is empty is *not applicable*. Under the system's
//!    [`EmptyPolicy`] its maximum is either shared out over the applicable
//!    rate categories in proportion to their maxima (default; largest
//!    remainder, so the maxima still add up) — with none applicable it is not
//!    awarded at all — or it scores a fixed share. The breakdown says which.
//! 3. Deductions: the assessor's lines (each naming its source fact) plus one
//!    line per kind of supervision fact ([`deductions`](crate::deductions)),
//!    each kind under its own cap; the system's deduction cap applies to the sum.
//! 4. `assessed = clamp(Σ points + min(Σ bonus, bonus_cap) − min(Σ deductions,
//!    deduction_cap), 0, 100)`.
//! 5. When the system counts them, the self-assessment (部门自评) and the mean
//!    peer rating (协作互评) take their weights of the total:
//!    `total = assessed × (100 − ws − wp)% + self × ws% + peer × wp%`, a part
//!    that is missing giving its weight back to `assessed`. Rounded once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::deductions::{deduct_facts, FactDeduction, SupervisionFact};
use crate::error::ScoringError;
use crate::grade::Grade;
use crate::indicators::{
    coverage, data_exchange, efficiency, openness, volume_points, volume_tier, CoverageInput,
    DataExchangeInput, EfficiencyInput, OpennessInput,
};
use crate::manual::ManualScore;
use crate::points::{div_round, to_i64, Percent, Points};
use crate::satisfaction::{satisfaction, Satisfaction, SatisfactionInputs, MIN_CALLBACKS};
use crate::system::{
    Category, CategorySource, ComputedKind, EmptyPolicy, IndicatorSystem, SecondRoundRule,
};

/// Identifies one stored quarter result; supplied by the caller.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct QuarterId {
    pub year: i32,
    /// 1..=4.
    pub quarter: u8,
    /// The caller's revision id of this result.
    pub revision_id: i64,
}

/// Bonus or deduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// 加分项 (e.g. innovation, 创新)
    Bonus,
    /// 扣分项
    Deduction,
}

/// One bonus or deduction line; `points` is positive in both cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub reason: String,
    pub points: Points,
    /// The fact a deduction rests on (a record id or document number); required for
    /// deductions, optional for bonuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Everything scored for one department and quarter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuarterInputs {
    pub period: QuarterId,
    pub coverage: CoverageInput,
    pub efficiency: EfficiencyInput,
    pub data_exchange: DataExchangeInput,
    pub satisfaction: SatisfactionInputs,
    /// Cases handled in the quarter (办件量).
    pub case_volume: u64,
    /// One score per manual category.
    pub manual: Vec<ManualScore>,
    pub bonuses: Vec<Adjustment>,
    pub deductions: Vec<Adjustment>,
    /// Supervision facts of the quarter (cards, breaches, valid complaints, …).
    #[serde(default)]
    pub facts: Vec<SupervisionFact>,
    /// The department's own score for the quarter (部门自评), 0..=100.
    #[serde(default)]
    pub self_assessment: Option<Points>,
    /// Cooperation ratings by the departments it shares bundles with (协作互评), 0..=100 each.
    #[serde(default)]
    pub peer_reviews: Vec<Points>,
    /// Facts for a computed 公开类 (used only when the system computes it).
    #[serde(default)]
    pub openness: OpennessInput,
}

/// The inputs a category's points were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum ContributionInputs {
    Coverage {
        should: u64,
        are: u64,
        ratio: Option<Percent>,
    },
    Efficiency {
        finished: u64,
        on_time: u64,
        early: u64,
        on_time_rate: Option<Percent>,
        early_rate: Option<Percent>,
        combined: Option<Percent>,
    },
    DataExchange {
        reported_in_time: u64,
        total: u64,
        ratio: Option<Percent>,
        #[serde(default)]
        max_delay_minutes: u32,
    },
    Satisfaction(Satisfaction),
    Volume {
        count: u64,
        tier: u8,
        tiers: [u64; 4],
    },
    Manual {
        evidence: Vec<String>,
    },
    Openness {
        #[serde(flatten)]
        counts: OpennessInput,
        guide_rate: Option<Percent>,
        publication_rate: Option<Percent>,
        combined: Option<Percent>,
        guide_share: u32,
    },
}

/// What happened to a category that had nothing to measure, or that received a share of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyHandling {
    /// Not applicable: its maximum went to the applicable rate categories.
    Redistributed,
    /// Applicable: it was scored against its maximum plus a share of the empty ones.
    Received,
    /// Not applicable: it scored the system's fixed share.
    Fixed,
    /// Not applicable and nothing applicable to share with: not awarded.
    NotAwarded,
}

/// One category's share of the quarter total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryContribution {
    pub key: String,
    pub name: String,
    pub points: Points,
    pub max_points: Points,
    pub source: CategorySource,
    pub inputs: ContributionInputs,
    /// `false` when there was nothing to measure (empty denominator).
    #[serde(default = "yes")]
    pub applicable: bool,
    /// The maximum the points were scored against (own maximum ± redistribution).
    #[serde(default)]
    pub effective_max: Points,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_handling: Option<EmptyHandling>,
}

fn yes() -> bool {
    true
}

/// How a self-assessment or the peer ratings entered the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPart {
    /// The self-assessment, or the mean of the peer ratings.
    pub score: Points,
    /// Ratings behind `score` (1 for a self-assessment).
    pub count: u64,
    /// The system's weight, percent of the total.
    pub weight: u32,
    /// Whether it changed the total (weight above 0).
    pub counted: bool,
}

/// A scored quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterScore {
    pub period: QuarterId,
    pub system_id: String,
    pub categories: Vec<CategoryContribution>,
    /// Sum of category points.
    pub base: Points,
    pub bonuses: Vec<Adjustment>,
    /// The assessor's deduction lines.
    pub deductions: Vec<Adjustment>,
    /// One line per kind of supervision fact, with the ids it counts.
    #[serde(default)]
    pub fact_deductions: Vec<FactDeduction>,
    /// Bonus counted, after the cap.
    pub bonus_applied: Points,
    /// All deductions before the overall cap (assessor's lines + fact lines after their caps).
    #[serde(default)]
    pub deduction_requested: Points,
    /// Deductions counted, after the cap.
    pub deduction_applied: Points,
    /// `clamp(base + bonus − deductions, 0, 100)`, before self-assessment and peer review.
    #[serde(default)]
    pub assessed: Points,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_assessment: Option<ReviewPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_review: Option<ReviewPart>,
    /// Final score, 0..=100.
    pub total: Points,
    pub grade: Grade,
    /// Caps, clamps and flags that changed or qualify the figures.
    pub thresholds_applied: Vec<String>,
}

impl QuarterScore {
    /// The contribution of the category with this key.
    pub fn category(&self, key: &str) -> Option<&CategoryContribution> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The combined 满意率, if the system has that category and it had answers.
    pub fn satisfaction(&self) -> Option<Percent> {
        self.categories.iter().find_map(|c| match &c.inputs {
            ContributionInputs::Satisfaction(s) => s.ratio,
            _ => None,
        })
    }
}

/// Why this score opens a second assessment round (二次考核), if it does.
pub fn second_round_reason(score: &QuarterScore, rule: &SecondRoundRule) -> Option<String> {
    if score.total < rule.below_total {
        return Some(format!("total {} below {}", score.total, rule.below_total));
    }
    match score.satisfaction() {
        Some(s) if s < rule.below_satisfaction => Some(format!(
            "satisfaction {s} below {}",
            rule.below_satisfaction
        )),
        _ => None,
    }
}

/// Competition ranks (并列) for totals sorted best first: equal totals share a rank and the
/// next rank skips (100, 90, 90, 80 → 1, 2, 2, 4).
pub fn competition_ranks(sorted_totals: &[Points]) -> Vec<usize> {
    let mut ranks = Vec::with_capacity(sorted_totals.len());
    for (i, t) in sorted_totals.iter().enumerate() {
        let rank = match (i.checked_sub(1), ranks.last()) {
            (Some(prev), Some(&r)) if sorted_totals[prev] == *t => r,
            _ => i + 1,
        };
        ranks.push(rank);
    }
    ranks
}

fn check_adjustments(kind: AdjustmentKind, lines: &[Adjustment]) -> Result<Points, ScoringError> {
    for (index, line) in lines.iter().enumerate() {
        if line.reason.trim().is_empty() {
            return Err(ScoringError::MissingReason { kind, index });
        }
        if line.points <= Points::ZERO {
            return Err(ScoringError::NonPositiveAdjustment {
                kind,
                index,
                points: line.points,
            });
        }
        if kind == AdjustmentKind::Deduction
            && line.source.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            return Err(ScoringError::DeductionWithoutSource { index });
        }
    }
    Ok(lines.iter().map(|l| l.points).sum())
}

fn index_manual<'a>(
    system: &IndicatorSystem,
    manual: &'a [ManualScore],
) -> Result<HashMap<&'a str, &'a ManualScore>, ScoringError> {
    let mut by_key = HashMap::new();
    for score in manual {
        let category =
            system
                .category(&score.category)
                .ok_or_else(|| ScoringError::UnknownCategory {
                    category: score.category.clone(),
                })?;
        score.validate(category)?;
        if by_key.insert(score.category.as_str(), score).is_some() {
            return Err(ScoringError::DuplicateManualScore {
                category: score.category.clone(),
            });
        }
    }
    Ok(by_key)
}

/// A category's raw result before the empty-indicator policy is applied.
enum Raw {
    /// Points fixed by the assessor or the volume tier.
    Fixed(Points),
    /// A rate indicator: `None` when there was nothing to measure.
    Rate(Option<Percent>),
}

fn score_category(
    system: &IndicatorSystem,
    c: &Category,
    inputs: &QuarterInputs,
    manual: &HashMap<&str, &ManualScore>,
    notes: &mut Vec<String>,
) -> Result<(Raw, ContributionInputs), ScoringError> {
    let max = c.max_points;
    let kind = match c.source {
        CategorySource::Manual { .. } => {
            let m = manual
                .get(c.key.as_str())
                .ok_or_else(|| ScoringError::MissingManualScore {
                    category: c.key.clone(),
                })?;
            let evidence = m.evidence.clone();
            return Ok((
                Raw::Fixed(m.points),
                ContributionInputs::Manual { evidence },
            ));
        }
        CategorySource::Computed(kind) => kind,
    };
    Ok(match kind {
        ComputedKind::Coverage => {
            let CoverageInput { should, are } = inputs.coverage;
            let ratio = coverage(should, are)?;
            (
                Raw::Rate(ratio),
                ContributionInputs::Coverage { should, are, ratio },
            )
        }
        ComputedKind::Efficiency => {
            let EfficiencyInput {
                finished,
                on_time,
                early,
            } = inputs.efficiency;
            let e = efficiency(finished, on_time, early, max)?;
            let used = ContributionInputs::Efficiency {
                finished,
                on_time,
                early,
                on_time_rate: e.map(|e| e.on_time_rate),
                early_rate: e.map(|e| e.early_rate),
                combined: e.map(|e| e.combined),
            };
            (Raw::Rate(e.map(|e| e.combined)), used)
        }
        ComputedKind::DataExchange => {
            let DataExchangeInput {
                reported_in_time,
                total,
            } = inputs.data_exchange;
            let ratio = data_exchange(reported_in_time, total)?;
            let used = ContributionInputs::DataExchange {
                reported_in_time,
                total,
                ratio,
                max_delay_minutes: system.data_exchange_max_delay_minutes,
            };
            (Raw::Rate(ratio), used)
        }
        ComputedKind::Satisfaction => {
            let s = satisfaction(
                &inputs.satisfaction,
                &system.satisfaction_weights,
                &system.satisfied_levels,
            )?;
            if s.callbacks_below_minimum {
                notes.push(format!(
                    "{}: callbacks {} below the minimum {MIN_CALLBACKS}",
                    c.key,
                    inputs.satisfaction.callbacks.total()
                ));
            }
            if s.ratio.is_some() {
                for src in s.sources.iter().filter(|x| x.rate.is_none()) {
                    notes.push(format!(
                        "{}: source {:?} empty, weights renormalised",
                        c.key, src.source
                    ));
                }
            }
            (Raw::Rate(s.ratio), ContributionInputs::Satisfaction(s))
        }
        ComputedKind::Openness => {
            let o = openness(inputs.openness, system.openness_guide_share)?;
            (
                Raw::Rate(o.combined),
                ContributionInputs::Openness {
                    counts: inputs.openness,
                    guide_rate: o.guide_rate,
                    publication_rate: o.publication_rate,
                    combined: o.combined,
                    guide_share: system.openness_guide_share,
                },
            )
        }
        ComputedKind::Volume => {
            let tier = volume_tier(inputs.case_volume, system.volume_tiers);
            let used = ContributionInputs::Volume {
                count: inputs.case_volume,
                tier,
                tiers: system.volume_tiers,
            };
            (Raw::Fixed(volume_points(tier, max)), used)
        }
    })
}

/// Shares `extra` (hundredths) out over `weights` in proportion, by largest remainder, so the
/// shares add up to `extra` exactly (ties go to the earlier entry).
fn apportion(extra: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    if total <= 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|&w| {
            let num = i128::from(extra) * i128::from(w);
            (num / total, num % total)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|e| to_i64(e.0)).collect();
    let given: i64 = shares.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    let left = usize::try_from(extra.saturating_sub(given)).unwrap_or(0);
    for &i in order.iter().take(left) {
        shares[i] += 1;
    }
    shares
}

/// Scores one quarter under `system` (validated first).
pub fn score_quarter(
    system: &IndicatorSystem,
    inputs: &QuarterInputs,
) -> Result<QuarterScore, ScoringError> {
    system.validate()?;
    if !(1..=4).contains(&inputs.period.quarter) {
        return Err(ScoringError::InvalidQuarter {
            quarter: inputs.period.quarter,
        });
    }
    let manual = index_manual(system, &inputs.manual)?;
    let bonus_requested = check_adjustments(AdjustmentKind::Bonus, &inputs.bonuses)?;
    let manual_deductions = check_adjustments(AdjustmentKind::Deduction, &inputs.deductions)?;
    let fact_deductions = deduct_facts(&system.deduction_rules, &inputs.facts)?;
    let in_range = |which: &'static str, v: Points| {
        if (Points::ZERO..=Points::HUNDRED).contains(&v) {
            Ok(v)
        } else {
            Err(ScoringError::ScoreOutOfRange { which, value: v })
        }
    };
    if let Some(v) = inputs.self_assessment {
        in_range("self_assessment", v)?;
    }
    for v in &inputs.peer_reviews {
        in_range("peer_review", *v)?;
    }

    let mut notes = Vec::new();
    let mut raws = Vec::with_capacity(system.categories.len());
    for c in &system.categories {
        raws.push(score_category(system, c, inputs, &manual, &mut notes)?);
    }

    // The empty-indicator policy over the rate categories.
    let rate = |r: &Raw| matches!(r, Raw::Rate(_));
    let empty = |r: &Raw| matches!(r, Raw::Rate(None));
    let empty_max: Points = system
        .categories
        .iter()
        .zip(&raws)
        .filter(|(_, r)| empty(&r.0))
        .map(|(c, _)| c.max_points)
        .sum();
    let receivers: Vec<usize> = raws
        .iter()
        .enumerate()
        .filter(|(_, r)| rate(&r.0) && !empty(&r.0))
        .map(|(i, _)| i)
        .collect();
    let redistribute = system.empty_policy == EmptyPolicy::Redistribute;
    let mut extra = vec![0_i64; raws.len()];
    if redistribute && empty_max > Points::ZERO {
        let weights: Vec<i64> = receivers
            .iter()
            .map(|&i| system.categories[i].max_points.centi())
            .collect();
        for (&i, share) in receivers.iter().zip(apportion(empty_max.centi(), &weights)) {
            extra[i] = share;
        }
        let names: Vec<&str> = system
            .categories
            .iter()
            .zip(&raws)
            .filter(|(_, r)| empty(&r.0))
            .map(|(c, _)| c.key.as_str())
            .collect();
        if receivers.is_empty() {
            notes.push(format!(
                "nothing to measure for {}: no rate indicator applicable, {empty_max} not awarded",
                names.join(", ")
            ));
        } else {
            notes.push(format!(
                "nothing to measure for {}: {empty_max} redistributed",
                names.join(", ")
            ));
        }
    }

    let mut categories = Vec::with_capacity(system.categories.len());
    for (i, (c, (raw, used))) in system.categories.iter().zip(raws).enumerate() {
        let (points, applicable, effective_max, handling) = match raw {
            Raw::Fixed(p) => (p, true, c.max_points, None),
            Raw::Rate(Some(ratio)) => {
                let eff = Points::from_centi(c.max_points.centi() + extra[i]);
                let handling = (extra[i] != 0).then_some(EmptyHandling::Received);
                (ratio.of(eff), true, eff, handling)
            }
            Raw::Rate(None) => match system.empty_policy {
                EmptyPolicy::Fixed { share } => (
                    share.of(c.max_points),
                    false,
                    c.max_points,
                    Some(EmptyHandling::Fixed),
                ),
                EmptyPolicy::Redistribute if receivers.is_empty() => (
                    Points::ZERO,
                    false,
                    Points::ZERO,
                    Some(EmptyHandling::NotAwarded),
                ),
                EmptyPolicy::Redistribute => (
                    Points::ZERO,
                    false,
                    Points::ZERO,
                    Some(EmptyHandling::Redistributed),
                ),
            },
        };
        categories.push(CategoryContribution {
            key: c.key.clone(),
            name: c.name.clone(),
            points,
            max_points: c.max_points,
            source: c.source,
            inputs: used,
            applicable,
            effective_max,
            empty_handling: handling,
        });
    }
    let base: Points = categories.iter().map(|c| c.points).sum();

    let bonus_applied = bonus_requested.min(system.bonus_cap);
    if bonus_applied < bonus_requested {
        notes.push(format!(
            "bonus {bonus_requested} capped at {}",
            system.bonus_cap
        ));
    }
    for l in fact_deductions.iter().filter(|l| l.points < l.requested) {
        notes.push(format!(
            "{} deductions {} capped at {}",
            l.name, l.requested, l.cap
        ));
    }
    let deduction_requested =
        manual_deductions + fact_deductions.iter().map(|l| l.points).sum::<Points>();
    let deduction_applied = deduction_requested.min(system.deduction_cap);
    if deduction_applied < deduction_requested {
        notes.push(format!(
            "deductions {deduction_requested} capped at {}",
            system.deduction_cap
        ));
    }
    let raw = base + bonus_applied - deduction_applied;
    let assessed = raw.clamp_to(Points::ZERO, Points::HUNDRED);
    if assessed != raw {
        notes.push(format!("total {raw} clamped to {assessed}"));
    }

    let self_part = inputs.self_assessment.map(|score| ReviewPart {
        score,
        count: 1,
        weight: system.self_assessment_weight,
        counted: system.self_assessment_weight > 0,
    });
    let peer_part = (!inputs.peer_reviews.is_empty()).then(|| {
        let n = inputs.peer_reviews.len();
        let sum: i128 = inputs
            .peer_reviews
            .iter()
            .map(|p| i128::from(p.centi()))
            .sum();
        ReviewPart {
            score: Points::from_centi(to_i64(div_round(sum, i128::try_from(n).unwrap_or(1)))),
            count: u64::try_from(n).unwrap_or(u64::MAX),
            weight: system.peer_review_weight,
            counted: system.peer_review_weight > 0,
        }
    });
    let counted = [self_part, peer_part]
        .into_iter()
        .flatten()
        .filter(|p| p.counted)
        .collect::<Vec<_>>();
    let total = if counted.is_empty() {
        assessed
    } else {
        let w: i128 = counted.iter().map(|p| i128::from(p.weight)).sum();
        let mut num = i128::from(assessed.centi()) * (100 - w);
        for p in &counted {
            num += i128::from(p.score.centi()) * i128::from(p.weight);
        }
        let t = Points::from_centi(to_i64(div_round(num, 100)));
        notes.push(format!(
            "self-assessment/peer review counted: assessed {assessed} → {t}"
        ));
        t
    };
    Ok(QuarterScore {
        period: inputs.period,
        system_id: system.id.clone(),
        categories,
        base,
        bonuses: inputs.bonuses.clone(),
        deductions: inputs.deductions.clone(),
        fact_deductions,
        bonus_applied,
        deduction_requested,
        deduction_applied,
        assessed,
        self_assessment: self_part,
        peer_review: peer_part,
        total,
        grade: Grade::of(total),
        thresholds_applied: notes,
    })
}
