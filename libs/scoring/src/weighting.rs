//! Weighting of results into cadre evaluation (干部考核). Schemes are data;
//! two presets:
//!
//! * **Hohhot** (呼和浩特): the department's annual service-platform score is
//!   35 % of its leadership's annual evaluation — `contribution = annual ×
//!   35 / 100` (out of 35). A window whose satisfaction is below the threshold
//!   (default 80 %) is flagged for a second assessment (二次考核); exactly at
//!   the threshold is not flagged.
//! * **Qingyang** (庆阳): the window score is 10 of the department's 100 target
//!   points — `contribution = window / 100 × 10`, but 0 when the window is
//!   below 50 (49.99 → 0, 50.00 → 5.00). Staff scores are 70 % daily record
//!   (日常考核) + 30 % year-end review (年终考评). This product's reading of
//!   the two derived items: party conduct (党风廉政) `= 5 × integrity (廉洁类)
//!   ratio` and rule of law (法治建设) `= 2 × standardisation (规范类) ratio`,
//!   each ratio being the annual mean category points over the category
//!   maximum.
//!
//! Every figure is rounded once to hundredths and carries a [`Provenance`].

use serde::{Deserialize, Serialize};

use crate::annual::{AnnualCategory, AnnualScore};
use crate::error::{SchemeError, ScoringError};
use crate::points::{div_round, to_i64, Percent, Points};
use crate::quarter::QuarterId;
use crate::system::{KEY_INTEGRITY, KEY_STANDARDISATION};

/// The rule of one scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SchemeKind {
    Hohhot {
        /// Percent of the leadership evaluation (35).
        share_percent: u32,
        /// Satisfaction below this is flagged for 二次考核 (80 %).
        second_assessment_threshold: Percent,
    },
    Qingyang {
        /// Target points the window score is worth (10.00).
        window_points: Points,
        /// A window score below this earns 0 (50.00).
        zero_below: Points,
        /// Staff: share of the daily record, percent (70).
        daily_share: u32,
        /// Staff: share of the year-end review, percent (30).
        review_share: u32,
        /// 党风廉政 points (5.00).
        party_conduct_points: Points,
        /// 法治建设 points (2.00).
        rule_of_law_points: Points,
        /// Category whose ratio drives party conduct (`integrity`).
        integrity_category: String,
        /// Category whose ratio drives rule of law (`standardisation`).
        standardisation_category: String,
    },
}

/// A versioned weighting scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightingScheme {
    pub key: String,
    pub version: u32,
    pub kind: SchemeKind,
}

/// Where a weighted figure came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub scheme_key: String,
    pub scheme_version: u32,
    /// Quarter results behind the figure (empty for staff scores).
    pub quarters: Vec<QuarterId>,
    /// Annual per-category means behind the figure.
    pub indicator_contributions: Vec<AnnualCategory>,
    /// Human-readable rules, thresholds and flags applied.
    pub thresholds_applied: Vec<String>,
}

/// Scheme-specific part of a department's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum CadreDetail {
    Hohhot {
        /// `None` when no satisfaction source had an answer all year.
        satisfaction: Option<Percent>,
        threshold: Percent,
        /// Flagged for 二次考核.
        second_assessment: bool,
    },
    Qingyang {
        /// The window was below `zero_below` and earned 0.
        zeroed: bool,
        party_conduct: Points,
        party_conduct_max: Points,
        rule_of_law: Points,
        rule_of_law_max: Points,
    },
}

/// A department's weighted result for its leadership's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadreContribution {
    /// The annual score weighed.
    pub window_score: Points,
    pub contribution: Points,
    /// Most the contribution can be (35.00 / 10.00).
    pub out_of: Points,
    pub detail: CadreDetail,
    pub provenance: Provenance,
}

/// A staff member's combined score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffScore {
    pub daily: Points,
    pub review: Points,
    pub score: Points,
    pub provenance: Provenance,
}

impl WeightingScheme {
    /// Hohhot preset: 35 %, 二次考核 below 80 %.
    pub fn hohhot() -> WeightingScheme {
        WeightingScheme {
            key: "hohhot".to_string(),
            version: 1,
            kind: SchemeKind::Hohhot {
                share_percent: 35,
                second_assessment_threshold: Percent::whole(80),
            },
        }
    }

    /// Qingyang preset: 10 window points, 0 below 50, staff 70/30, party
    /// conduct 5, rule of law 2 (Fenghua default category keys).
    pub fn qingyang() -> WeightingScheme {
        WeightingScheme {
            key: "qingyang".to_string(),
            version: 1,
            kind: SchemeKind::Qingyang {
                window_points: Points::whole(10),
                zero_below: Points::whole(50),
                daily_share: 70,
                review_share: 30,
                party_conduct_points: Points::whole(5),
                rule_of_law_points: Points::whole(2),
                integrity_category: KEY_INTEGRITY.to_string(),
                standardisation_category: KEY_STANDARDISATION.to_string(),
            },
        }
    }

    /// Checks key, shares (≤ 100; daily + review = 100), thresholds and
    /// points (0..=100; window points above 0) and category keys.
    pub fn validate(&self) -> Result<(), SchemeError> {
        if self.key.trim().is_empty() {
            return Err(SchemeError::EmptyKey);
        }
        let in_range = |which, value: Points, lo: Points| {
            if value < lo || value > Points::HUNDRED {
                Err(SchemeError::PointsOutOfRange { which, value })
            } else {
                Ok(())
            }
        };
        match &self.kind {
            SchemeKind::Hohhot {
                share_percent,
                second_assessment_threshold: t,
            } => {
                if *share_percent > 100 {
                    return Err(SchemeError::ShareOutOfRange {
                        which: "share_percent",
                        share: *share_percent,
                    });
                }
                if *t < Percent::ZERO || *t > Percent::HUNDRED {
                    return Err(SchemeError::ThresholdOutOfRange {
                        which: "second_assessment_threshold",
                        value: *t,
                    });
                }
            }
            SchemeKind::Qingyang {
                window_points,
                zero_below,
                daily_share,
                review_share,
                party_conduct_points,
                rule_of_law_points,
                integrity_category,
                standardisation_category,
            } => {
                if daily_share.checked_add(*review_share) != Some(100) {
                    return Err(SchemeError::SharesDoNotSum {
                        daily: *daily_share,
                        review: *review_share,
                    });
                }
                in_range("window_points", *window_points, Points::from_centi(1))?;
                in_range("zero_below", *zero_below, Points::ZERO)?;
                in_range("party_conduct_points", *party_conduct_points, Points::ZERO)?;
                in_range("rule_of_law_points", *rule_of_law_points, Points::ZERO)?;
                for (which, key) in [
                    ("integrity", integrity_category),
                    ("standardisation", standardisation_category),
                ] {
                    if key.trim().is_empty() {
                        return Err(SchemeError::EmptyCategoryKey { which });
                    }
                }
            }
        }
        Ok(())
    }

    fn provenance(&self, annual: Option<&AnnualScore>, notes: Vec<String>) -> Provenance {
        Provenance {
            scheme_key: self.key.clone(),
            scheme_version: self.version,
            quarters: annual.map(AnnualScore::quarter_ids).unwrap_or_default(),
            indicator_contributions: annual.map(|a| a.categories.clone()).unwrap_or_default(),
            thresholds_applied: notes,
        }
    }
}

fn check_score(which: &'static str, value: Points) -> Result<(), ScoringError> {
    if value < Points::ZERO || value > Points::HUNDRED {
        return Err(ScoringError::ScoreOutOfRange { which, value });
    }
    Ok(())
}

/// `points × (category mean / category max)`, rounded once.
fn derived(points: Points, annual: &AnnualScore, key: &str) -> Result<Points, ScoringError> {
    let c = annual
        .category(key)
        .ok_or_else(|| ScoringError::MissingCategory {
            key: key.to_string(),
        })?;
    let num = i128::from(points.centi()) * i128::from(c.mean_points.centi());
    Ok(Points::from_centi(to_i64(div_round(
        num,
        i128::from(c.max_points.centi()),
    ))))
}

/// Weighs a department's annual result under `scheme`. `satisfaction` is the
/// window's satisfaction ratio (e.g. [`AnnualScore::satisfaction`]), `None` when
/// there was no answer at all (never read as 100 %); only the Hohhot scheme uses it.
pub fn weigh_department(
    scheme: &WeightingScheme,
    annual: &AnnualScore,
    satisfaction: Option<Percent>,
) -> Result<CadreContribution, ScoringError> {
    scheme.validate()?;
    let score = annual.score;
    check_score("annual score", score)?;
    if let Some(sat) = satisfaction.filter(|s| *s < Percent::ZERO || *s > Percent::HUNDRED) {
        return Err(ScoringError::PercentOutOfRange {
            which: "satisfaction",
            value: sat,
        });
    }
    let mut notes = Vec::new();
    let (contribution, out_of, detail) = match &scheme.kind {
        SchemeKind::Hohhot {
            share_percent,
            second_assessment_threshold: threshold,
        } => {
            let share = i64::from(*share_percent);
            let contribution = score.scale(share, 100);
            let out_of = Points::HUNDRED.scale(share, 100);
            notes.push(format!(
                "annual {score} × {share}% = {contribution} of {out_of}"
            ));
            let flagged = satisfaction.is_some_and(|s| s < *threshold);
            notes.push(match satisfaction {
                Some(s) => format!(
                    "二次考核 when satisfaction < {threshold}: {s} → {}",
                    if flagged { "flagged" } else { "not flagged" }
                ),
                None => format!(
                    "二次考核 when satisfaction < {threshold}: no satisfaction answer this year → not flagged, nothing to compare"
                ),
            });
            let detail = CadreDetail::Hohhot {
                satisfaction,
                threshold: *threshold,
                second_assessment: flagged,
            };
            (contribution, out_of, detail)
        }
        SchemeKind::Qingyang {
            window_points,
            zero_below,
            party_conduct_points,
            rule_of_law_points,
            integrity_category,
            standardisation_category,
            ..
        } => {
            let zeroed = score < *zero_below;
            let contribution = if zeroed {
                Points::ZERO
            } else {
                score.scale(window_points.centi(), Points::HUNDRED.centi())
            };
            notes.push(format!(
                "window {score} / 100 × {window_points} = {contribution}{}",
                if zeroed {
                    format!(" (below {zero_below}: 0)")
                } else {
                    String::new()
                }
            ));
            let party_conduct = derived(*party_conduct_points, annual, integrity_category)?;
            let rule_of_law = derived(*rule_of_law_points, annual, standardisation_category)?;
            notes.push(format!(
                "party conduct = {party_conduct_points} × {integrity_category} ratio = {party_conduct}"
            ));
            notes.push(format!(
                "rule of law = {rule_of_law_points} × {standardisation_category} ratio = {rule_of_law}"
            ));
            let detail = CadreDetail::Qingyang {
                zeroed,
                party_conduct,
                party_conduct_max: *party_conduct_points,
                rule_of_law,
                rule_of_law_max: *rule_of_law_points,
            };
            (contribution, *window_points, detail)
        }
    };
    Ok(CadreContribution {
        window_score: score,
        contribution,
        out_of,
        detail,
        provenance: scheme.provenance(Some(annual), notes),
    })
}

/// Combines a staff member's daily record and year-end review (both 0..=100)
/// under a Qingyang-style scheme.
pub fn weigh_staff(
    scheme: &WeightingScheme,
    daily: Points,
    review: Points,
) -> Result<StaffScore, ScoringError> {
    scheme.validate()?;
    check_score("daily record", daily)?;
    check_score("year-end review", review)?;
    let SchemeKind::Qingyang {
        daily_share,
        review_share,
        ..
    } = &scheme.kind
    else {
        return Err(ScoringError::StaffNotWeighted {
            scheme_key: scheme.key.clone(),
        });
    };
    let num = i128::from(daily.centi()) * i128::from(*daily_share)
        + i128::from(review.centi()) * i128::from(*review_share);
    let score = Points::from_centi(to_i64(div_round(num, 100)));
    let note =
        format!("{daily_share}% × daily {daily} + {review_share}% × review {review} = {score}");
    Ok(StaffScore {
        daily,
        review,
        score,
        provenance: scheme.provenance(None, vec![note]),
    })
}
