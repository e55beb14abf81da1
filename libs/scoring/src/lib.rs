//! Performance assessment (绩效评估) of government service-centre departments
//! and its weighting into cadre evaluation (干部考核).
//!
//! Pure rules, no I/O. The flow:
//!
//! 1. An [`IndicatorSystem`] (data) lists categories with maxima summing to 100;
//!    [`IndicatorSystem::fenghua_default`] is the Fenghua preset
//!    (10/15/10/20/10/10/15/5/5, see [`system`]).
//! 2. [`score_quarter`] turns a quarter's counts, manual scores with evidence
//!    and bonus/deduction lines into a [`QuarterScore`] (total 0..=100,
//!    per-category contributions with their inputs, [`Grade`]).
//! 3. [`annual`] averages the quarters present into an [`AnnualScore`].
//! 4. [`weigh_department`] / [`weigh_staff`] apply a [`WeightingScheme`]
//!    (Hohhot or Qingyang preset) and attach a [`Provenance`].
//!
//! [`draw_sample`] draws the third-party callback sample reproducibly.
//!
//! **Numbers.** All scores are [`Points`] and all ratios [`Percent`]: `i64`
//! counts of hundredths, serialised as bare integers (`86.40` is `8640`).
//! Every division rounds once to the nearest hundredth, half away from zero.
//! There is no floating point, so band edges (59.99 / 60.00) are exact.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod annual;
pub mod deductions;
mod error;
pub mod grade;
pub mod indicators;
pub mod manual;
pub mod points;
pub mod quarter;
pub mod sample;
pub mod satisfaction;
pub mod staff;
pub mod system;
pub mod weighting;

#[cfg(test)]
mod tests;

pub use annual::{annual, AnnualCategory, AnnualScore, QuarterUsed};
pub use deductions::{
    deduct_facts, default_rules, DeductionRule, FactDeduction, FactKind, SupervisionFact,
};
pub use error::{SchemeError, ScoringError, SystemError};
pub use grade::{needs_rectification, Grade, RECTIFICATION_WORKING_DAYS};
pub use indicators::{
    coverage, data_exchange, efficiency, openness, volume_points, volume_tier, CoverageInput,
    DataExchangeInput, Efficiency, EfficiencyInput, Openness, OpennessInput,
};
pub use manual::ManualScore;
pub use points::{ParseFixedError, Percent, Points};
pub use quarter::{
    competition_ranks, score_quarter, second_round_reason, Adjustment, AdjustmentKind,
    CategoryContribution, ContributionInputs, EmptyHandling, QuarterId, QuarterInputs,
    QuarterScore, ReviewPart,
};
pub use sample::{draw_sample, SplitMix64};
pub use satisfaction::{
    bad_rating, satisfaction, FourLevel, FourLevelCounts, HaochaCounts, HaochaLevel, Satisfaction,
    SatisfactionInputs, SatisfactionSource, SatisfactionWeights, SatisfiedLevels, SourceResult,
    MIN_CALLBACKS,
};
pub use staff::{
    excellence_quota, mean_of_rated, rate_month, AspectLine, MonthFacts, MonthRating, StaffSystem,
};
pub use system::{
    Category, CategorySource, ComputedKind, EmptyPolicy, IndicatorSystem, SecondRoundRule,
};
pub use weighting::{
    weigh_department, weigh_staff, CadreContribution, CadreDetail, Provenance, SchemeKind,
    StaffScore, WeightingScheme,
};
