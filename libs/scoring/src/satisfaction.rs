//! Public satisfaction (群众满意) as the sources report it: a **rate** per source,
//! 满意率 = satisfied answers ÷ all answers (Xiangyang counted 1217 非常满意 +
//! 61 基本满意 of 1278 answers as 满意率 100 %; Fenghua reports 98.9 % → 99.8 %).
//! It is not a mean of level values.
//!
//! Three sources:
//!
//! | source | scale | satisfied by default |
//! |---|---|---|
//! | on-the-spot evaluator (现场评价器) | 很满意 / 满意 / 一般 / 不满意 | 很满意 + 满意 |
//! | national 好差评 | 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意 | 非常满意 + 满意 + 基本满意 |
//! | third-party callbacks (第三方回访) | the evaluator's four levels | 很满意 + 满意 |
//!
//! Which levels count as satisfied is written in the indicator system
//! ([`SatisfiedLevels`]); the defaults above are this product's reading.
//!
//! **Combination** (this product's rule, configurable weights): the category
//! ratio is the weighted mean of the source rates, weights 40 (on-the-spot) /
//! 40 (好差评) / 20 (callbacks) by default; a source with no answers is left
//! out and the remaining weights renormalised (no 好差评: 40/20 → 2/3, 1/3).
//! No answer from any source: the category is not applicable (`ratio: None`).
//! A bad rating (差评) is 不满意 or 非常不满意 ([`bad_rating`]).

use serde::{Deserialize, Serialize};

use crate::error::{ScoringError, SystemError};
use crate::points::{div_round, to_i64, Percent};

/// Fewest callbacks per unit per quarter (Fenghua: 每季度每单位不少于 30 人).
pub const MIN_CALLBACKS: u64 = 30;

/// The evaluator's four levels, also used for callback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FourLevel {
    /// 很满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 一般
    Average,
    /// 不满意 — a bad rating
    Dissatisfied,
}

/// The national 好差评 five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaochaLevel {
    /// 非常满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意 — 差评
    Dissatisfied,
    /// 非常不满意 — 差评
    VeryDissatisfied,
}

impl FourLevel {
    /// Whether this answer is a bad rating (不满意).
    pub fn is_bad(self) -> bool {
        self == FourLevel::Dissatisfied
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

    /// One more answer at `level`.
    pub fn add(&mut self, level: FourLevel) {
        let n = match level {
            FourLevel::VerySatisfied => &mut self.very_satisfied,
            FourLevel::Satisfied => &mut self.satisfied,
            FourLevel::Average => &mut self.average,
            FourLevel::Dissatisfied => &mut self.dissatisfied,
        };
        *n = n.saturating_add(1);
    }

    fn levels(&self) -> [(u64, FourLevel); 4] {
        [
            (self.very_satisfied, FourLevel::VerySatisfied),
            (self.satisfied, FourLevel::Satisfied),
            (self.average, FourLevel::Average),
            (self.dissatisfied, FourLevel::Dissatisfied),
        ]
    }

    fn tally(&self, satisfied: &[FourLevel]) -> Tally {
        tally(
            self.levels()
                .map(|(n, l)| (n, satisfied.contains(&l), l.is_bad())),
        )
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

    /// One more rating at `level`.
    pub fn add(&mut self, level: HaochaLevel) {
        let n = match level {
            HaochaLevel::VerySatisfied => &mut self.very_satisfied,
            HaochaLevel::Satisfied => &mut self.satisfied,
            HaochaLevel::BasicallySatisfied => &mut self.basically_satisfied,
            HaochaLevel::Dissatisfied => &mut self.dissatisfied,
            HaochaLevel::VeryDissatisfied => &mut self.very_dissatisfied,
        };
        *n = n.saturating_add(1);
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

    fn tally(&self, satisfied: &[HaochaLevel]) -> Tally {
        tally(
            self.levels()
                .map(|(n, l)| (n, satisfied.contains(&l), bad_rating(l))),
        )
    }
}

struct Tally {
    responses: u64,
    satisfied: u64,
    bad: u64,
}

fn tally<const N: usize>(levels: [(u64, bool, bool); N]) -> Tally {
    let sum = |pick: fn(&(u64, bool, bool)) -> bool| {
        levels
            .iter()
            .filter(|l| pick(l))
            .map(|l| l.0)
            .fold(0, u64::saturating_add)
    };
    Tally {
        responses: sum(|_| true),
        satisfied: sum(|l| l.1),
        bad: sum(|l| l.2),
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

/// Relative weights of the three sources; must add up to 100 (this product's default 40/40/20).
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

/// Which answers count as satisfied, per source (written in the indicator system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfiedLevels {
    pub onsite: Vec<FourLevel>,
    pub haocha: Vec<HaochaLevel>,
    pub callback: Vec<FourLevel>,
}

impl Default for SatisfiedLevels {
    /// 很满意+满意 for the evaluator and callbacks; 非常满意+满意+基本满意 for 好差评.
    fn default() -> Self {
        SatisfiedLevels {
            onsite: vec![FourLevel::VerySatisfied, FourLevel::Satisfied],
            haocha: vec![
                HaochaLevel::VerySatisfied,
                HaochaLevel::Satisfied,
                HaochaLevel::BasicallySatisfied,
            ],
            callback: vec![FourLevel::VerySatisfied, FourLevel::Satisfied],
        }
    }
}

impl SatisfiedLevels {
    /// Each source names at least one satisfied level and no bad one.
    pub fn validate(&self) -> Result<(), SystemError> {
        let four = |source: &'static str, l: &[FourLevel]| {
            if l.is_empty() {
                Err(SystemError::SatisfiedLevels {
                    which: source,
                    detail: "no level counts as satisfied".into(),
                })
            } else if l.iter().any(|x| x.is_bad()) {
                Err(SystemError::SatisfiedLevels {
                    which: source,
                    detail: "不满意 cannot count as satisfied".into(),
                })
            } else {
                Ok(())
            }
        };
        four("onsite", &self.onsite)?;
        four("callback", &self.callback)?;
        if self.haocha.is_empty() {
            return Err(SystemError::SatisfiedLevels {
                which: "haocha",
                detail: "no level counts as satisfied".into(),
            });
        }
        if self.haocha.iter().any(|l| bad_rating(*l)) {
            return Err(SystemError::SatisfiedLevels {
                which: "haocha",
                detail: "a 差评 level cannot count as satisfied".into(),
            });
        }
        Ok(())
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
    /// Answers at a level counted as satisfied.
    pub satisfied: u64,
    /// Bad ratings (差评) among the responses.
    pub bad: u64,
    /// 满意率 = satisfied ÷ responses; `None` when the source had no answers.
    pub rate: Option<Percent>,
    /// Configured weight.
    pub nominal_weight: u32,
    /// Weight after renormalisation (0 % when left out).
    pub applied_weight: Percent,
}

/// Result of the satisfaction rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// Combined 满意率; `None` (not applicable) when no source has answers.
    pub ratio: Option<Percent>,
    pub sources: Vec<SourceResult>,
    /// All bad ratings across sources.
    pub bad_ratings: u64,
    /// Fewer than [`MIN_CALLBACKS`] callbacks were recorded.
    pub callbacks_below_minimum: bool,
}

/// Per-source 满意率 and their combination (see module docs).
pub fn satisfaction(
    inputs: &SatisfactionInputs,
    weights: &SatisfactionWeights,
    levels: &SatisfiedLevels,
) -> Result<Satisfaction, ScoringError> {
    levels.validate()?;
    let parts = [
        (
            SatisfactionSource::Onsite,
            inputs.onsite.tally(&levels.onsite),
            weights.onsite,
        ),
        (
            SatisfactionSource::Haocha,
            inputs.haocha.tally(&levels.haocha),
            weights.haocha,
        ),
        (
            SatisfactionSource::Callback,
            inputs.callbacks.tally(&levels.callback),
            weights.callback,
        ),
    ];
    let rate = |t: &Tally| Percent::from_counts(t.satisfied, t.responses);
    let mut weight_sum: i128 = 0;
    let mut weighted: i128 = 0;
    for (_, t, w) in &parts {
        if let Some(r) = rate(t) {
            weight_sum += i128::from(*w);
            weighted += i128::from(*w) * i128::from(r.centi());
        }
    }
    let sources = parts
        .iter()
        .map(|(source, t, w)| SourceResult {
            source: *source,
            responses: t.responses,
            satisfied: t.satisfied,
            bad: t.bad,
            rate: rate(t),
            nominal_weight: *w,
            applied_weight: match rate(t) {
                Some(_) if weight_sum > 0 => {
                    Percent::from_centi(to_i64(div_round(i128::from(*w) * 10_000, weight_sum)))
                }
                _ => Percent::ZERO,
            },
        })
        .collect::<Vec<_>>();
    Ok(Satisfaction {
        ratio: (weight_sum > 0)
            .then(|| Percent::from_centi(to_i64(div_round(weighted, weight_sum)))),
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
            // (60 + 30) of 100 = 90.00 %
            onsite: four(60, 30, 10, 0),
            // (50 + 30 + 10) of 100 = 90.00 %
            haocha: HaochaCounts {
                very_satisfied: 50,
                satisfied: 30,
                basically_satisfied: 10,
                dissatisfied: 10,
                very_dissatisfied: 0,
            },
            // (15 + 12) of 30 = 90.00 %; make it 27 of 30 with 3 一般
            callbacks: four(15, 12, 3, 0),
        }
    }

    fn run(inputs: &SatisfactionInputs) -> Satisfaction {
        match satisfaction(
            inputs,
            &SatisfactionWeights::default(),
            &SatisfiedLevels::default(),
        ) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn rates_not_level_means() {
        let mut inputs = worked_inputs();
        // onsite: 很满意 70, 满意 10, 一般 20 → 80 of 100 = 80.00 %
        inputs.onsite = four(70, 10, 20, 0);
        let s = run(&inputs);
        let rates: Vec<_> = s.sources.iter().map(|x| x.rate).collect();
        assert_eq!(
            rates,
            [
                Some(Percent::from_centi(8_000)),
                Some(Percent::from_centi(9_000)),
                Some(Percent::from_centi(9_000))
            ]
        );
        // 0.4×80 + 0.4×90 + 0.2×90 = 86.00 %
        assert_eq!(s.ratio, Some(Percent::from_centi(8_600)));
        assert_eq!(s.bad_ratings, 10);
        assert_eq!(s.sources[1].satisfied, 90);
        assert!(!s.callbacks_below_minimum);
    }

    #[test]
    fn xiangyang_counts_basically_satisfied_as_satisfied_on_haocha() {
        // 1217 非常满意 + 61 基本满意 of 1278 → 100 % (the figure the source reports).
        let inputs = SatisfactionInputs {
            haocha: HaochaCounts {
                very_satisfied: 1217,
                basically_satisfied: 61,
                ..HaochaCounts::default()
            },
            ..SatisfactionInputs::default()
        };
        let s = run(&inputs);
        assert_eq!(s.sources[1].rate, Some(Percent::HUNDRED));
        // Only 好差评 answered: it carries all the weight.
        assert_eq!(s.ratio, Some(Percent::HUNDRED));
        assert_eq!(s.sources[1].applied_weight, Percent::HUNDRED);
    }

    #[test]
    fn empty_source_is_renormalised_and_no_answers_is_not_applicable() {
        let mut inputs = worked_inputs();
        inputs.haocha = HaochaCounts::default();
        inputs.onsite = four(50, 10, 40, 0); // 60 %
        let s = run(&inputs);
        // (40×60 + 20×90) / 60 = 70.00 %
        assert_eq!(s.ratio, Some(Percent::from_centi(7_000)));
        let applied: Vec<i64> = s.sources.iter().map(|x| x.applied_weight.centi()).collect();
        assert_eq!(applied, [6_667, 0, 3_333]);
        let none = run(&SatisfactionInputs::default());
        assert_eq!(none.ratio, None);
        assert!(none.callbacks_below_minimum);
    }

    #[test]
    fn satisfied_levels_are_configurable_and_checked() {
        let levels = SatisfiedLevels {
            onsite: vec![FourLevel::VerySatisfied],
            ..SatisfiedLevels::default()
        };
        let inputs = SatisfactionInputs {
            onsite: four(60, 30, 10, 0),
            ..SatisfactionInputs::default()
        };
        let s = satisfaction(&inputs, &SatisfactionWeights::default(), &levels);
        assert_eq!(s.map(|s| s.ratio), Ok(Some(Percent::from_centi(6_000))));
        let bad = SatisfiedLevels {
            haocha: vec![HaochaLevel::Dissatisfied],
            ..SatisfiedLevels::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(SystemError::SatisfiedLevels {
                which: "haocha",
                ..
            })
        ));
        let empty = SatisfiedLevels {
            callback: vec![],
            ..SatisfiedLevels::default()
        };
        assert!(empty.validate().is_err());
    }

    #[test]
    fn counts_add_and_bad_rating_predicate() {
        let mut c = FourLevelCounts::default();
        c.add(FourLevel::Average);
        c.add(FourLevel::Average);
        assert_eq!(c.average, 2);
        let mut h = HaochaCounts::default();
        h.add(HaochaLevel::VeryDissatisfied);
        assert_eq!(h.total(), 1);
        assert!(bad_rating(HaochaLevel::Dissatisfied));
        assert!(bad_rating(HaochaLevel::VeryDissatisfied));
        assert!(!bad_rating(HaochaLevel::BasicallySatisfied));
        assert!(FourLevel::Dissatisfied.is_bad());
        assert!(!FourLevel::Average.is_bad());
    }
}
