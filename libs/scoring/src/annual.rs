//! Annual score (年度得分): the mean of the quarter totals present.
//!
//! Quarters must share one year and one indicator system, and each quarter
//! number may appear once (the caller picks the revision). The mean is rounded
//! once to hundredths. Per-category means are given for provenance; because
//! of caps, clamping and rounding they need not add up to the annual score.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::ScoringError;
use crate::grade::Grade;
use crate::points::{div_round, to_i64, Percent, Points};
use crate::quarter::{QuarterId, QuarterScore};
use crate::system::CategorySource;

/// A quarter that entered the annual mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterUsed {
    pub period: QuarterId,
    pub total: Points,
}

/// One category averaged over the quarters used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualCategory {
    pub key: String,
    pub name: String,
    pub max_points: Points,
    pub source: CategorySource,
    /// Mean of the quarterly points.
    pub mean_points: Points,
}

/// A department's annual result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualScore {
    pub year: i32,
    pub system_id: String,
    /// Mean of the quarter totals.
    pub score: Points,
    pub grade: Grade,
    /// The quarters used, in quarter order.
    pub quarters: Vec<QuarterUsed>,
    pub categories: Vec<AnnualCategory>,
    /// Mean satisfaction ratio of the quarters that have one.
    pub satisfaction: Option<Percent>,
}

impl AnnualScore {
    /// The quarter identifiers used.
    pub fn quarter_ids(&self) -> Vec<QuarterId> {
        self.quarters.iter().map(|q| q.period).collect()
    }

    /// The averaged category with this key.
    pub fn category(&self, key: &str) -> Option<&AnnualCategory> {
        self.categories.iter().find(|c| c.key == key)
    }
}

fn mean(values: impl Iterator<Item = i64>) -> Option<i64> {
    let (sum, n) = values.fold((0i128, 0i128), |(s, n), v| (s + i128::from(v), n + 1));
    (n > 0).then(|| to_i64(div_round(sum, n)))
}

/// Averages the quarters present (one to four).
pub fn annual(quarters: &[QuarterScore]) -> Result<AnnualScore, ScoringError> {
    let first = quarters.first().ok_or(ScoringError::NoQuarters)?;
    let mut seen = HashSet::new();
    for q in quarters {
        let p = q.period;
        if !(1..=4).contains(&p.quarter) {
            return Err(ScoringError::InvalidQuarter { quarter: p.quarter });
        }
        if p.year != first.period.year {
            return Err(ScoringError::MixedYears {
                first: first.period.year,
                other: p.year,
            });
        }
        if q.system_id != first.system_id {
            return Err(ScoringError::MixedSystems {
                first: first.system_id.clone(),
                other: q.system_id.clone(),
            });
        }
        if !seen.insert(p.quarter) {
            return Err(ScoringError::DuplicateQuarter {
                year: p.year,
                quarter: p.quarter,
            });
        }
    }
    let mut used: Vec<QuarterUsed> = quarters
        .iter()
        .map(|q| QuarterUsed {
            period: q.period,
            total: q.total,
        })
        .collect();
    used.sort_by_key(|q| q.period.quarter);

    let score = Points::from_centi(mean(quarters.iter().map(|q| q.total.centi())).unwrap_or(0));
    let categories = first
        .categories
        .iter()
        .map(|c| AnnualCategory {
            key: c.key.clone(),
            name: c.name.clone(),
            max_points: c.max_points,
            source: c.source,
            mean_points: Points::from_centi(
                mean(
                    quarters
                        .iter()
                        .filter_map(|q| q.category(&c.key))
                        .map(|x| x.points.centi()),
                )
                .unwrap_or(0),
            ),
        })
        .collect();
    let satisfaction = mean(
        quarters
            .iter()
            .filter_map(|q| q.satisfaction())
            .map(Percent::centi),
    )
    .map(Percent::from_centi);
    Ok(AnnualScore {
        year: first.period.year,
        system_id: first.system_id.clone(),
        score,
        grade: Grade::of(score),
        quarters: used,
        categories,
        satisfaction,
    })
}
