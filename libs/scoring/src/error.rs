//! Typed errors. Every error that concerns one category names it.

use crate::deductions::FactKind;
use crate::points::{Percent, Points};
use crate::quarter::AdjustmentKind;
use crate::system::ComputedKind;

/// Why an [`IndicatorSystem`](crate::IndicatorSystem) is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    /// The category maxima must add up to exactly 100.00.
    #[error("category maxima add up to {total}, not 100.00")]
    MaxPointsSum { total: Points },
    /// A category has an empty key.
    #[error("category #{index} has an empty key")]
    EmptyKey { index: usize },
    /// Two categories share a key.
    #[error("duplicate category key {key:?}")]
    DuplicateKey { key: String },
    /// A category's maximum is zero or negative.
    #[error("category {key:?} has non-positive maximum {max}")]
    NonPositiveMax { key: String, max: Points },
    /// A computed rule may feed only one category.
    #[error("computed indicator {kind:?} is used by more than one category")]
    DuplicateComputed { kind: ComputedKind },
    /// A bonus or deduction cap is negative.
    #[error("{which} is negative: {cap}")]
    NegativeCap { which: &'static str, cap: Points },
    /// The four case-volume bounds must be strictly increasing.
    #[error("case-volume tier bounds are not strictly increasing: {tiers:?}")]
    TiersNotIncreasing { tiers: [u64; 4] },
    /// Satisfaction source weights must add up to 100.
    #[error("satisfaction source weights add up to {total}, not 100")]
    SatisfactionWeights { total: u32 },
    /// The satisfied levels of a source are empty or include a bad level.
    #[error("satisfied levels of {which}: {detail}")]
    SatisfiedLevels { which: &'static str, detail: String },
    /// Two deduction rules for one kind of fact.
    #[error("more than one deduction rule for {fact:?}")]
    DuplicateDeductionRule { fact: FactKind },
    /// A deduction rule with negative points or cap.
    #[error("deduction rule for {fact:?} has negative points or cap")]
    NegativeDeductionRule { fact: FactKind },
    /// Self-assessment and peer-review weights together exceed 100 %.
    #[error("self-assessment and peer-review weights add up to {total}%, more than 100%")]
    ReviewWeights { total: u32 },
    /// A percentage in the system lies outside 0..=100 %.
    #[error("{which} {value} is outside 0..=100%")]
    PercentOutOfRange { which: &'static str, value: Percent },
}

/// Why a [`WeightingScheme`](crate::WeightingScheme) is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    /// The scheme key is empty.
    #[error("weighting scheme key is empty")]
    EmptyKey,
    /// A percentage share lies outside 0..=100.
    #[error("{which} share {share}% is outside 0..=100")]
    ShareOutOfRange { which: &'static str, share: u32 },
    /// Daily and year-end review shares must add up to 100.
    #[error("daily share {daily}% + review share {review}% ≠ 100%")]
    SharesDoNotSum { daily: u32, review: u32 },
    /// A threshold lies outside 0..=100.
    #[error("{which} {value} is outside 0..=100%")]
    ThresholdOutOfRange { which: &'static str, value: Percent },
    /// A points figure lies outside its allowed range (0..=100; window points above 0).
    #[error("{which} {value} is outside its allowed range")]
    PointsOutOfRange { which: &'static str, value: Points },
    /// A category key the scheme reads is empty.
    #[error("{which} category key is empty")]
    EmptyCategoryKey { which: &'static str },
}

/// Why scoring, averaging or weighting failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoringError {
    #[error("invalid indicator system: {0}")]
    InvalidSystem(#[from] SystemError),
    #[error("invalid weighting scheme: {0}")]
    InvalidScheme(#[from] SchemeError),
    /// Quarter numbers run 1..=4.
    #[error("quarter {quarter} is not 1..=4")]
    InvalidQuarter { quarter: u8 },
    /// A manual score names a category the system does not have.
    #[error("unknown category {category:?}")]
    UnknownCategory { category: String },
    /// A manual score was given for a computed category.
    #[error("category {category:?} is computed, not entered manually")]
    NotManual { category: String },
    /// Two manual scores for the same category.
    #[error("more than one manual score for category {category:?}")]
    DuplicateManualScore { category: String },
    /// A manual category has no score.
    #[error("no manual score for category {category:?}")]
    MissingManualScore { category: String },
    /// A manual score is below 0 or above the category maximum.
    #[error("category {category:?}: {points} is outside 0..={max}")]
    ManualOutOfRange {
        category: String,
        points: Points,
        max: Points,
    },
    /// Evidence is required but none (non-blank) was given.
    #[error("category {category:?}: evidence is required")]
    MissingEvidence { category: String },
    /// Counts that contradict each other (e.g. more on time than finished).
    #[error("{kind:?}: inconsistent counts: {detail}")]
    InconsistentCounts { kind: ComputedKind, detail: String },
    /// No satisfaction source has any answer (with a non-zero weight).
    #[error("no satisfaction data from any source")]
    NoSatisfactionData,
    /// A supervision fact without the id of its record.
    #[error("supervision fact #{index} has no source id")]
    FactWithoutSource { index: usize },
    /// A deduction entered by an assessor without the fact it rests on.
    #[error("deduction #{index} names no source fact")]
    DeductionWithoutSource { index: usize },
    /// A bonus or deduction line without a reason.
    #[error("{kind:?} #{index} has no reason")]
    MissingReason { kind: AdjustmentKind, index: usize },
    /// A bonus or deduction line with zero or negative points.
    #[error("{kind:?} #{index} has non-positive points {points}")]
    NonPositiveAdjustment {
        kind: AdjustmentKind,
        index: usize,
        points: Points,
    },
    /// `annual` was given no quarters.
    #[error("no quarter results to average")]
    NoQuarters,
    /// Quarters from different years.
    #[error("quarters from different years: {first} and {other}")]
    MixedYears { first: i32, other: i32 },
    /// Quarters scored under different indicator systems.
    #[error("quarters scored under different systems: {first:?} and {other:?}")]
    MixedSystems { first: String, other: String },
    /// The same quarter twice (pick one revision).
    #[error("quarter {year}Q{quarter} given more than once")]
    DuplicateQuarter { year: i32, quarter: u8 },
    /// The weighting scheme reads a category the annual result lacks.
    #[error("annual result has no category {key:?}")]
    MissingCategory { key: String },
    /// The scheme does not weight staff scores.
    #[error("scheme {scheme_key:?} does not weight staff scores")]
    StaffNotWeighted { scheme_key: String },
    /// An input score outside 0..=100.
    #[error("{which} {value} is outside 0..=100")]
    ScoreOutOfRange { which: &'static str, value: Points },
    /// An input percentage outside 0..=100 %.
    #[error("{which} {value} is outside 0..=100%")]
    PercentOutOfRange { which: &'static str, value: Percent },
}
