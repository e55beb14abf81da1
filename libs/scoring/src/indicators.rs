//! Computed indicator rules (计算类指标) as pure functions of counts.
//!
//! Conventions (this product's reading):
//! * A ratio whose denominator is zero is **not applicable** (`None`), never
//!   full marks: a department that had nothing to measure earns nothing for
//!   it. What the category then scores is the indicator system's
//!   [`EmptyPolicy`](crate::EmptyPolicy) (default: its weight is redistributed
//!   over the other computed rate indicators, see [`quarter`](crate::quarter)).
//! * A count that exceeds its whole (more supervised than should be, more on
//!   time than finished) is an input error, never silently clamped.
//! * Category points are `ratio × max`, rounded once (see [`points`](crate::points)).
//!
//! The satisfaction rule lives in [`satisfaction`](crate::satisfaction).

use serde::{Deserialize, Serialize};

use crate::error::ScoringError;
use crate::points::{Percent, Points};
use crate::system::ComputedKind;

/// Weight of the on-time rate (按时办结率) in 高效类, percent.
pub const EFFICIENCY_ON_TIME_SHARE: i64 = 80;
/// Weight of the early-completion rate (提前办结率) in 高效类, percent.
pub const EFFICIENCY_EARLY_SHARE: i64 = 20;

/// Counts for 电子监察覆盖率.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoverageInput {
    /// Items that should be under e-supervision (应纳入).
    pub should: u64,
    /// Items that are (已纳入).
    pub are: u64,
}

/// Counts for 高效类. `early ≤ on_time ≤ finished`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EfficiencyInput {
    /// Cases finished (办结) in the quarter.
    pub finished: u64,
    /// Of those, finished within the statutory/promised limit.
    pub on_time: u64,
    /// Of those, finished before the limit (提前办结).
    pub early: u64,
}

/// Counts for 数据交换.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataExchangeInput {
    /// Records reported in real time.
    pub reported_in_time: u64,
    /// All records due to be reported.
    pub total: u64,
}

/// Result of the efficiency rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Efficiency {
    pub on_time_rate: Percent,
    pub early_rate: Percent,
    /// `80 % × on_time_rate + 20 % × early_rate`.
    pub combined: Percent,
    pub points: Points,
}

fn part_of(
    kind: ComputedKind,
    part: u64,
    whole: u64,
    what: &str,
) -> Result<Option<Percent>, ScoringError> {
    if part > whole {
        return Err(ScoringError::InconsistentCounts {
            kind,
            detail: format!("{what}: {part} > {whole}"),
        });
    }
    Ok(Percent::from_counts(part, whole))
}

/// Coverage ratio `are / should`; `None` (not applicable) when nothing should be supervised.
pub fn coverage(should: u64, are: u64) -> Result<Option<Percent>, ScoringError> {
    part_of(ComputedKind::Coverage, are, should, "are > should")
}

/// Real-time reporting ratio `reported_in_time / total`; `None` when there were no records.
pub fn data_exchange(reported_in_time: u64, total: u64) -> Result<Option<Percent>, ScoringError> {
    part_of(
        ComputedKind::DataExchange,
        reported_in_time,
        total,
        "reported_in_time > total",
    )
}

/// Efficiency points out of `max`: on-time rate weighted 80 %, early-completion
/// rate 20 % (each rate over `finished`); `None` (not applicable) when nothing finished.
pub fn efficiency(
    finished: u64,
    on_time: u64,
    early: u64,
    max: Points,
) -> Result<Option<Efficiency>, ScoringError> {
    let Some(on_time_rate) = part_of(
        ComputedKind::Efficiency,
        on_time,
        finished,
        "on_time > finished",
    )?
    else {
        return Ok(None);
    };
    part_of(ComputedKind::Efficiency, early, on_time, "early > on_time")?;
    let early_rate = part_of(
        ComputedKind::Efficiency,
        early,
        finished,
        "early > finished",
    )?
    .unwrap_or(Percent::ZERO);
    let combined = Percent::from_centi(
        on_time_rate.centi() * EFFICIENCY_ON_TIME_SHARE
            + early_rate.centi() * EFFICIENCY_EARLY_SHARE,
    )
    .scale(1, 100);
    Ok(Some(Efficiency {
        on_time_rate,
        early_rate,
        combined,
        points: combined.of(max),
    }))
}

/// Counts for a computed 公开类.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpennessInput {
    /// The department's active catalogue items.
    pub active_items: u64,
    /// Of those, with a complete public service guide (办事指南).
    pub complete_guides: u64,
    /// Decisions of the quarter that the law allows to publish (approvals).
    pub publishable: u64,
    /// Of those, on the public list within the system's delay.
    pub published_in_time: u64,
}

/// Result of the openness rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Openness {
    pub guide_rate: Option<Percent>,
    pub publication_rate: Option<Percent>,
    /// `share × guide_rate + (100 − share) × publication_rate`; one part alone when the other
    /// has nothing to measure; `None` when neither has.
    pub combined: Option<Percent>,
}

/// 公开类 from facts; `guide_share` percent to guide completeness.
pub fn openness(i: OpennessInput, guide_share: u32) -> Result<Openness, ScoringError> {
    let guide_rate = part_of(
        ComputedKind::Openness,
        i.complete_guides,
        i.active_items,
        "complete_guides > active_items",
    )?;
    let publication_rate = part_of(
        ComputedKind::Openness,
        i.published_in_time,
        i.publishable,
        "published_in_time > publishable",
    )?;
    let share = i64::from(guide_share.min(100));
    let combined = match (guide_rate, publication_rate) {
        (Some(g), Some(p)) => {
            Some(Percent::from_centi(g.centi() * share + p.centi() * (100 - share)).scale(1, 100))
        }
        (one, None) | (None, one) => one,
    };
    Ok(Openness {
        guide_rate,
        publication_rate,
        combined,
    })
}

/// Case-volume tier 1..=5 (办件量档次). With bounds `[b2, b3, b4, b5]`:
/// `0 < count < b2` → 1, `b2 ≤ count < b3` → 2, …, `count ≥ b5` → 5.
/// A count exactly on a bound belongs to the higher tier. No case at all is
/// tier 0 and scores nothing (this product's reading: no free points).
pub fn volume_tier(count: u64, tiers: [u64; 4]) -> u8 {
    if count == 0 {
        return 0;
    }
    let above = tiers.iter().filter(|&&bound| count >= bound).count();
    // `above` is 0..=4 (strictly increasing bounds are validated elsewhere;
    // with unsorted bounds this still yields a value in range).
    1 + u8::try_from(above).unwrap_or(4)
}

/// Points for a tier: `tier / 5 × max` (tier clamped to 0..=5).
pub fn volume_points(tier: u8, max: Points) -> Points {
    max.scale(i64::from(tier.min(5)), 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(c: i64) -> Percent {
        Percent::from_centi(c)
    }

    #[test]
    fn coverage_and_data_exchange() {
        assert_eq!(coverage(200, 190), Ok(Some(pct(9_500))));
        // Nothing should be supervised: not applicable, not 100 %.
        assert_eq!(coverage(0, 0), Ok(None));
        assert_eq!(coverage(3, 1), Ok(Some(pct(3_333))));
        assert!(matches!(
            coverage(10, 11),
            Err(ScoringError::InconsistentCounts {
                kind: ComputedKind::Coverage,
                ..
            })
        ));
        assert_eq!(data_exchange(450, 500), Ok(Some(pct(9_000))));
        assert_eq!(data_exchange(0, 0), Ok(None));
        assert!(data_exchange(501, 500).is_err());
    }

    #[test]
    fn efficiency_weights_on_time_and_early() {
        // 380/400 = 95 %, 100/400 = 25 %; 0.8×95 + 0.2×25 = 81 %; 81 % of 20 = 16.20
        let e = efficiency(400, 380, 100, Points::whole(20));
        assert_eq!(
            e,
            Ok(Some(Efficiency {
                on_time_rate: pct(9_500),
                early_rate: pct(2_500),
                combined: pct(8_100),
                points: Points::from_centi(1_620),
            }))
        );
        // Nothing finished: not applicable (it used to be 20 free points).
        assert_eq!(efficiency(0, 0, 0, Points::whole(20)), Ok(None));
        assert!(efficiency(10, 11, 0, Points::whole(20)).is_err());
        assert!(efficiency(10, 5, 6, Points::whole(20)).is_err());
    }

    #[test]
    fn openness_from_guides_and_publication() {
        // 8 of 10 guides complete (80 %), 45 of 50 decisions published in time (90 %):
        // 0.5 × 80 + 0.5 × 90 = 85 %.
        let o = openness(
            OpennessInput {
                active_items: 10,
                complete_guides: 8,
                publishable: 50,
                published_in_time: 45,
            },
            50,
        );
        assert_eq!(o.map(|o| o.combined), Ok(Some(pct(8_500))));
        // No decision this quarter: the guides alone.
        let o = openness(
            OpennessInput {
                active_items: 4,
                complete_guides: 3,
                ..OpennessInput::default()
            },
            50,
        );
        assert_eq!(o.map(|o| o.combined), Ok(Some(pct(7_500))));
        assert_eq!(
            openness(OpennessInput::default(), 50).map(|o| o.combined),
            Ok(None)
        );
        assert!(openness(
            OpennessInput {
                active_items: 1,
                complete_guides: 2,
                ..OpennessInput::default()
            },
            50
        )
        .is_err());
    }

    #[test]
    fn volume_tiers_at_each_bound() {
        let t = [500, 2_000, 5_000, 10_000];
        assert_eq!(volume_tier(0, t), 0);
        assert_eq!(volume_tier(1, t), 1);
        assert_eq!(volume_tier(499, t), 1);
        assert_eq!(volume_tier(500, t), 2);
        assert_eq!(volume_tier(1_999, t), 2);
        assert_eq!(volume_tier(2_000, t), 3);
        assert_eq!(volume_tier(4_999, t), 3);
        assert_eq!(volume_tier(5_000, t), 4);
        assert_eq!(volume_tier(9_999, t), 4);
        assert_eq!(volume_tier(10_000, t), 5);
        assert_eq!(volume_tier(u64::MAX, t), 5);
        let max = Points::whole(5);
        let pts: Vec<i64> = (0..=5).map(|t| volume_points(t, max).centi()).collect();
        assert_eq!(pts, [0, 100, 200, 300, 400, 500]);
        // 3/5 of 15.00 = 9.00; 1/5 of 0.07 = 0.014 → 0.01
        assert_eq!(volume_points(3, Points::whole(15)).centi(), 900);
        assert_eq!(volume_points(1, Points::from_centi(7)).centi(), 1);
    }
}
