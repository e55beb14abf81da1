//! Public satisfaction (群众满意) from three sources.
//!
//! **Level values** (this product's reading):
//!
//! | on-the-spot evaluator (评价器) and callbacks | value |
//! |---|---:|
//! | 很满意 | 100 |
//! | 满意 | 80 |
//! | 一般 | 60 |
//! | 不满意 | 0 |
//!
//! | national 好差评 | value |
//! |---|---:|
//! | 非常满意 | 100 |
//! | 满意 | 80 |
//! | 基本满意 | 60 |
//! | 不满意 | 20 |
//! | 非常不满意 | 0 |
//!
//! Third-party callbacks (第三方回访) are recorded on the evaluator's four-level
//! scale. A bad rating (差评) is 不满意 or 非常不满意 ([`bad_rating`]).
//!
//! **Combination.** Each source's ratio is the response-weighted mean of its
//! level values, rounded to hundredths of a percent. The overall ratio is the
//! weighted mean of the source ratios with weights 40 (on-the-spot) / 40
//! (好差评) / 20 (callbacks) by default; a source with no answers is left out
//! and the remaining weights renormalised (e.g. no 好差评: 40/20 → 2/3, 1/3).
//! No answers at all is [`ScoringError::NoSatisfactionData`].

use serde::{Deserialize, Serialize};

use crate::error::ScoringError;
use crate::points::{div_round, to_i64, Percent};

/// Fewest callbacks per unit per quarter (每季度每单位不少于 30 人).
pub const MIN_CALLBACKS: u64 = 30;

/// The evaluator's four levels, also used for callback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FourLevel {
    /// 很满意 (100)
    VerySatisfied,
    /// 满意 (80)
    Satisfied,
    /// 一般 (60)
    Average,
    /// 不满意 (0) — a bad rating
    Dissatisfied,
}

/// The national 好差评 five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaochaLevel {
    /// 非常满意 (100)
    VerySatisfied,
    /// 满意 (80)
    Satisfied,
    /// 基本满意 (60)
    BasicallySatisfied,
    /// 不满意 (20) — 差评
    Dissatisfied,
    /// 非常不满意 (0) — 差评
    VeryDissatisfied,
}

impl FourLevel {
    /// The level's value in percent.
    pub fn value(self) -> Percent {
        Percent::whole(match self {
            FourLevel::VerySatisfied => 100,
            FourLevel::Satisfied => 80,
            FourLevel::Average => 60,
            FourLevel::Dissatisfied => 0,
        })
    }

    /// Whether this answer is a bad rating (不满意).
    pub fn is_bad(self) -> bool {
        self == FourLevel::Dissatisfied
    }
}

impl HaochaLevel {
    /// The level's value in percent.
    pub fn value(self) -> Percent {
        Percent::whole(match self {
            HaochaLevel::VerySatisfied => 100,
            HaochaLevel::Satisfied => 80,
            HaochaLevel::BasicallySatisfied => 60,
            HaochaLevel::Dissatisfied => 20,
            HaochaLevel::VeryDissatisfied => 0,
        })
    }
}

/// 差评: 不满意 or 非常不满意.
pub fn bad_rating(level: HaochaLevel) -> bool {
    matches!(
        level,
        HaochaLevel::Dissatisfied | HaochaLevel::VeryDissatisfied
    )
}

/// Answer counts on the four-level scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FourLevelCounts {
    pub very_satisfied: u64,
    pub satisfied: u64,
    pub average: u64,
    pub dissatisfied: u64,
}

/// Answer counts on the 好差评 five-level scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HaochaCounts {
    pub very_satisfied: u64,
    pub satisfied: u64,
    pub basically_satisfied: u64,
    pub dissatisfied: u64,
    pub very_dissatisfied: u64,
}

impl FourLevelCounts {
    /// Number of answers.
    pub fn total(&self) -> u64 {
        self.levels()
            .iter()
            .map(|l| l.0)
            .fold(0, u64::saturating_add)
    }

    fn levels(&self) -> [(u64, FourLevel); 4] {
        [
            (self.very_satisfied, FourLevel::VerySatisfied),
            (self.satisfied, FourLevel::Satisfied),
            (self.average, FourLevel::Average),
            (self.dissatisfied, FourLevel::Dissatisfied),
        ]
    }

    fn summary(&self) -> Tally {
        tally(self.levels().map(|(n, l)| (n, l.value(), l.is_bad())))
    }
}

impl HaochaCounts {
    /// Number of ratings.
    pub fn total(&self) -> u64 {
        self.levels()
            .iter()
            .map(|l| l.0)
            .fold(0, u64::saturating_add)
    }

    fn levels(&self) -> [(u64, HaochaLevel); 5] {
        [
            (self.very_satisfied, HaochaLevel::VerySatisfied),
            (self.satisfied, HaochaLevel::Satisfied),
            (self.basically_satisfied, HaochaLevel::BasicallySatisfied),
            (self.dissatisfied, HaochaLevel::Dissatisfied),
            (self.very_dissatisfied, HaochaLevel::VeryDissatisfied),
        ]
    }

    fn summary(&self) -> Tally {
        tally(self.levels().map(|(n, l)| (n, l.value(), bad_rating(l))))
    }
}

struct Tally {
    responses: u64,
    bad: u64,
    ratio: Option<Percent>,
}

fn tally<const N: usize>(levels: [(u64, Percent, bool); N]) -> Tally {
    let responses: u64 = levels.iter().map(|l| l.0).fold(0, u64::saturating_add);
    let bad = levels
        .iter()
        .filter(|l| l.2)
        .map(|l| l.0)
        .fold(0, u64::saturating_add);
    let weighted: i128 = levels
        .iter()
        .map(|&(n, v, _)| i128::from(n) * i128::from(v.centi()))
        .sum();
    let ratio = (responses > 0)
        .then(|| Percent::from_centi(to_i64(div_round(weighted, i128::from(responses)))));
    Tally {
        responses,
        bad,
        ratio,
    }
}

/// Everything the satisfaction rule reads for one unit and quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SatisfactionInputs {
    /// On-the-spot evaluator (现场评价器).
    pub onsite: FourLevelCounts,
    /// National 好差评 system.
    pub haocha: HaochaCounts,
    /// Third-party callbacks (第三方回访), on the four-level scale.
    pub callbacks: FourLevelCounts,
}

/// Relative weights of the three sources; must add up to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionWeights {
    pub onsite: u32,
    pub haocha: u32,
    pub callback: u32,
}

impl Default for SatisfactionWeights {
    /// 40 / 40 / 20.
    fn default() -> Self {
        SatisfactionWeights {
            onsite: 40,
            haocha: 40,
            callback: 20,
        }
    }
}

impl SatisfactionWeights {
    /// Sum of the three weights.
    pub fn total(&self) -> u32 {
        self.onsite
            .saturating_add(self.haocha)
            .saturating_add(self.callback)
    }
}

/// One of the three sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SatisfactionSource {
    Onsite,
    Haocha,
    Callback,
}

/// How one source entered the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceResult {
    pub source: SatisfactionSource,
    pub responses: u64,
    /// Bad ratings (差评) among the responses.
    pub bad: u64,
    /// `None` when the source had no answers.
    pub ratio: Option<Percent>,
    /// Configured weight.
    pub nominal_weight: u32,
    /// Weight after renormalisation (display only; 0 % when left out).
    pub applied_weight: Percent,
}

/// Result of the satisfaction rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// Combined satisfaction ratio.
    pub ratio: Percent,
    pub sources: Vec<SourceResult>,
    /// All bad ratings across sources.
    pub bad_ratings: u64,
    /// Fewer than [`MIN_CALLBACKS`] callbacks were recorded.
    pub callbacks_below_minimum: bool,
}

/// Combines the three sources (see module docs).
pub fn satisfaction(
    inputs: &SatisfactionInputs,
    weights: &SatisfactionWeights,
) -> Result<Satisfaction, ScoringError> {
    let parts = [
        (
            SatisfactionSource::Onsite,
            inputs.onsite.summary(),
            weights.onsite,
        ),
        (
            SatisfactionSource::Haocha,
            inputs.haocha.summary(),
            weights.haocha,
        ),
        (
            SatisfactionSource::Callback,
            inputs.callbacks.summary(),
            weights.callback,
        ),
    ];
    let mut weight_sum: i128 = 0;
    let mut weighted: i128 = 0;
    for (_, t, w) in &parts {
        if let Some(r) = t.ratio {
            weight_sum += i128::from(*w);
            weighted += i128::from(*w) * i128::from(r.centi());
        }
    }
    if weight_sum == 0 {
        return Err(ScoringError::NoSatisfactionData);
    }
    let sources = parts
        .iter()
        .map(|(source, t, w)| SourceResult {
            source: *source,
            responses: t.responses,
            bad: t.bad,
            ratio: t.ratio,
            nominal_weight: *w,
            applied_weight: match t.ratio {
                Some(_) => {
                    Percent::from_centi(to_i64(div_round(i128::from(*w) * 10_000, weight_sum)))
                }
                None => Percent::ZERO,
            },
        })
        .collect::<Vec<_>>();
    Ok(Satisfaction {
        ratio: Percent::from_centi(to_i64(div_round(weighted, weight_sum))),
        bad_ratings: sources.iter().map(|s| s.bad).fold(0, u64::saturating_add),
        callbacks_below_minimum: inputs.callbacks.total() < MIN_CALLBACKS,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four(vs: u64, s: u64, a: u64, d: u64) -> FourLevelCounts {
        FourLevelCounts {
            very_satisfied: vs,
            satisfied: s,
            average: a,
            dissatisfied: d,
        }
    }

    fn worked_inputs() -> SatisfactionInputs {
        SatisfactionInputs {
            // (60×100 + 30×80 + 10×60) / 100 = 90.00 %
            onsite: four(60, 30, 10, 0),
            // (50×100 + 30×80 + 10×60 + 10×20) / 100 = 82.00 %
            haocha: HaochaCounts {
                very_satisfied: 50,
                satisfied: 30,
                basically_satisfied: 10,
                dissatisfied: 10,
                very_dissatisfied: 0,
            },
            // (15×100 + 12×80 + 3×60) / 30 = 88.00 %
            callbacks: four(15, 12, 3, 0),
        }
    }

    #[test]
    fn all_three_sources_40_40_20() {
        let s = satisfaction(&worked_inputs(), &SatisfactionWeights::default());
        let s = match s {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        // 0.4×90 + 0.4×82 + 0.2×88 = 86.40 %
        assert_eq!(s.ratio, Percent::from_centi(8_640));
        let ratios: Vec<_> = s.sources.iter().map(|x| x.ratio).collect();
        assert_eq!(
            ratios,
            [
                Some(Percent::from_centi(9_000)),
                Some(Percent::from_centi(8_200)),
                Some(Percent::from_centi(8_800))
            ]
        );
        assert_eq!(s.bad_ratings, 10);
        assert!(!s.callbacks_below_minimum);
    }

    #[test]
    fn empty_source_is_renormalised() {
        let mut inputs = worked_inputs();
        inputs.haocha = HaochaCounts::default();
        let s = satisfaction(&inputs, &SatisfactionWeights::default());
        // (40×90 + 20×88) / 60 = 89.333… → 89.33 %
        assert_eq!(s.as_ref().map(|s| s.ratio), Ok(Percent::from_centi(8_933)));
        let applied: Vec<i64> = s
            .map(|s| s.sources.iter().map(|x| x.applied_weight.centi()).collect())
            .unwrap_or_default();
        assert_eq!(applied, [6_667, 0, 3_333]);
    }

    #[test]
    fn short_callback_sample_is_flagged_and_no_data_is_an_error() {
        let mut inputs = worked_inputs();
        inputs.callbacks = four(10, 10, 9, 0);
        let s = satisfaction(&inputs, &SatisfactionWeights::default());
        assert_eq!(s.map(|s| s.callbacks_below_minimum), Ok(true));
        assert_eq!(
            satisfaction(
                &SatisfactionInputs::default(),
                &SatisfactionWeights::default()
            ),
            Err(ScoringError::NoSatisfactionData)
        );
    }

    #[test]
    fn bad_rating_predicate() {
        assert!(bad_rating(HaochaLevel::Dissatisfied));
        assert!(bad_rating(HaochaLevel::VeryDissatisfied));
        assert!(!bad_rating(HaochaLevel::BasicallySatisfied));
        assert!(!bad_rating(HaochaLevel::Satisfied));
        assert!(!bad_rating(HaochaLevel::VerySatisfied));
        assert!(FourLevel::Dissatisfied.is_bad());
        assert!(!FourLevel::Average.is_bad());
        assert_eq!(HaochaLevel::Dissatisfied.value(), Percent::whole(20));
        assert_eq!(FourLevel::Dissatisfied.value(), Percent::ZERO);
    }
}
