//! One department's quarterly score (季度考核得分).
//!
//! `total = clamp(Σ category points + min(Σ bonus, bonus_cap)
//!                − min(Σ deductions, deduction_cap), 0, 100)`.
//! Each bonus (加分项) and deduction (扣分项) line needs a reason and positive
//! points; caps apply to the sums, lines are kept as entered.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::ScoringError;
use crate::grade::Grade;
use crate::indicators::{
    coverage, data_exchange, efficiency, volume_points, volume_tier, CoverageInput,
    DataExchangeInput, EfficiencyInput,
};
use crate::manual::ManualScore;
use crate::points::{Percent, Points};
use crate::satisfaction::{satisfaction, Satisfaction, SatisfactionInputs, MIN_CALLBACKS};
use crate::system::{Category, CategorySource, ComputedKind, IndicatorSystem};

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
}

/// The inputs a category's points were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum ContributionInputs {
    Coverage {
        should: u64,
        are: u64,
        ratio: Percent,
    },
    Efficiency {
        finished: u64,
        on_time: u64,
        early: u64,
        on_time_rate: Percent,
        early_rate: Percent,
        combined: Percent,
    },
    DataExchange {
        reported_in_time: u64,
        total: u64,
        ratio: Percent,
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
    pub deductions: Vec<Adjustment>,
    /// Bonus counted, after the cap.
    pub bonus_applied: Points,
    /// Deductions counted, after the cap.
    pub deduction_applied: Points,
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

    /// The combined satisfaction ratio, if the system has that category.
    pub fn satisfaction(&self) -> Option<Percent> {
        self.categories.iter().find_map(|c| match &c.inputs {
            ContributionInputs::Satisfaction(s) => Some(s.ratio),
            _ => None,
        })
    }
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

fn score_category(
    system: &IndicatorSystem,
    c: &Category,
    inputs: &QuarterInputs,
    manual: &HashMap<&str, &ManualScore>,
    notes: &mut Vec<String>,
) -> Result<(Points, ContributionInputs), ScoringError> {
    let max = c.max_points;
    let kind = match c.source {
        CategorySource::Manual { .. } => {
            let m = manual
                .get(c.key.as_str())
                .ok_or_else(|| ScoringError::MissingManualScore {
                    category: c.key.clone(),
                })?;
            let evidence = m.evidence.clone();
            return Ok((m.points, ContributionInputs::Manual { evidence }));
        }
        CategorySource::Computed(kind) => kind,
    };
    Ok(match kind {
        ComputedKind::Coverage => {
            let CoverageInput { should, are } = inputs.coverage;
            let ratio = coverage(should, are)?;
            let used = ContributionInputs::Coverage { should, are, ratio };
            (ratio.of(max), used)
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
                on_time_rate: e.on_time_rate,
                early_rate: e.early_rate,
                combined: e.combined,
            };
            (e.points, used)
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
            };
            (ratio.of(max), used)
        }
        ComputedKind::Satisfaction => {
            let s = satisfaction(&inputs.satisfaction, &system.satisfaction_weights)?;
            if s.callbacks_below_minimum {
                notes.push(format!(
                    "{}: callbacks {} below the minimum {MIN_CALLBACKS}",
                    c.key,
                    inputs.satisfaction.callbacks.total()
                ));
            }
            for src in s.sources.iter().filter(|x| x.ratio.is_none()) {
                notes.push(format!(
                    "{}: source {:?} empty, weights renormalised",
                    c.key, src.source
                ));
            }
            (s.ratio.of(max), ContributionInputs::Satisfaction(s))
        }
        ComputedKind::Volume => {
            let tier = volume_tier(inputs.case_volume, system.volume_tiers);
            let used = ContributionInputs::Volume {
                count: inputs.case_volume,
                tier,
                tiers: system.volume_tiers,
            };
            (volume_points(tier, max), used)
        }
    })
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
    let deduction_requested = check_adjustments(AdjustmentKind::Deduction, &inputs.deductions)?;

    let mut notes = Vec::new();
    let mut categories = Vec::with_capacity(system.categories.len());
    for c in &system.categories {
        let (points, used) = score_category(system, c, inputs, &manual, &mut notes)?;
        categories.push(CategoryContribution {
            key: c.key.clone(),
            name: c.name.clone(),
            points,
            max_points: c.max_points,
            source: c.source,
            inputs: used,
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
    let deduction_applied = deduction_requested.min(system.deduction_cap);
    if deduction_applied < deduction_requested {
        notes.push(format!(
            "deductions {deduction_requested} capped at {}",
            system.deduction_cap
        ));
    }
    let raw = base + bonus_applied - deduction_applied;
    let total = raw.clamp_to(Points::ZERO, Points::HUNDRED);
    if total != raw {
        notes.push(format!("total {raw} clamped to {total}"));
    }
    Ok(QuarterScore {
        period: inputs.period,
        system_id: system.id.clone(),
        categories,
        base,
        bonuses: inputs.bonuses.clone(),
        deductions: inputs.deductions.clone(),
        bonus_applied,
        deduction_applied,
        total,
        grade: Grade::of(total),
        thresholds_applied: notes,
    })
}
