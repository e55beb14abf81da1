//! Window staff's daily record (平时考核), after Xiangyang's 督察部: every window worker is
//! scored on **five aspects** — 审批业务办理情况 (business), 电子监察结果 (e-supervision
//! results), 人员行为规范 (conduct), 被投诉情况 (complaints), 宣传报道 (publicity) — rated
//! **monthly** (每月评定一次), graded **quarterly** from the months and reviewed **yearly**
//! (Xiangyang). The five aspects and the cadence are the source's; every number below is this
//! product's default, data in a [`StaffSystem`]:
//!
//! | aspect | default | rule |
//! |---|---:|---|
//! | business | 40 | `40 × on time ÷ handled` (branches the person acted on in the month) |
//! | e-supervision | 20 | 20 − 2.00 per yellow, 5.00 per red card, 5.00 per statutory breach on those branches |
//! | conduct | 20 | 20 − the inspector's entries − 5.00 per admonition (效能告诫) − 10.00 per accountability measure (责任追究) |
//! | complaints | 20 | 20 − 10.00 per valid complaint naming the person − 5.00 per 差评 rating naming the person |
//! | publicity | +5 | bonus entries, at most 5 |
//!
//! Each aspect floors at 0; the month's total is capped at 100. A month in which the person
//! handled nothing is **not rated** (no free marks for absence). The quarter's grade is the
//! [`Grade`] of the mean of its rated months; the year's daily record is the mean of the rated
//! months of the year (it feeds Qingyang's 70 % daily record).

use serde::{Deserialize, Serialize};

use crate::error::{ScoringError, SystemError};
use crate::grade::Grade;
use crate::points::{div_round, to_i64, Percent, Points};

/// The staff indicator system: aspect maxima and points per fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSystem {
    pub business_max: Points,
    pub e_supervision_max: Points,
    pub yellow_card: Points,
    pub red_card: Points,
    pub statutory_breach: Points,
    pub conduct_max: Points,
    pub admonition: Points,
    pub measure: Points,
    pub complaints_max: Points,
    pub valid_complaint: Points,
    pub bad_rating: Points,
    pub publicity_max: Points,
    /// Share of the rated staff who may hold the hall's own excellence quota (优秀名额).
    pub excellence_share: Percent,
}

impl Default for StaffSystem {
    fn default() -> Self {
        StaffSystem {
            business_max: Points::whole(40),
            e_supervision_max: Points::whole(20),
            yellow_card: Points::whole(2),
            red_card: Points::whole(5),
            statutory_breach: Points::whole(5),
            conduct_max: Points::whole(20),
            admonition: Points::whole(5),
            measure: Points::whole(10),
            complaints_max: Points::whole(20),
            valid_complaint: Points::whole(10),
            bad_rating: Points::whole(5),
            publicity_max: Points::whole(5),
            excellence_share: Percent::whole(20),
        }
    }
}

impl StaffSystem {
    /// The four scored aspects are positive and add up to 100.00; the publicity bonus lies in
    /// 0..=20; points per fact are not negative; the excellence share lies in 0..=100 %.
    pub fn validate(&self) -> Result<(), SystemError> {
        let four = [
            ("business_max", self.business_max),
            ("e_supervision_max", self.e_supervision_max),
            ("conduct_max", self.conduct_max),
            ("complaints_max", self.complaints_max),
        ];
        for (which, v) in four {
            if v <= Points::ZERO {
                return Err(SystemError::NegativeCap { which, cap: v });
            }
        }
        let total: Points = four.iter().map(|f| f.1).sum();
        if total != Points::HUNDRED {
            return Err(SystemError::MaxPointsSum { total });
        }
        if self.publicity_max < Points::ZERO || self.publicity_max > Points::whole(20) {
            return Err(SystemError::NegativeCap {
                which: "publicity_max",
                cap: self.publicity_max,
            });
        }
        for (which, v) in [
            ("yellow_card", self.yellow_card),
            ("red_card", self.red_card),
            ("statutory_breach", self.statutory_breach),
            ("admonition", self.admonition),
            ("measure", self.measure),
            ("valid_complaint", self.valid_complaint),
            ("bad_rating", self.bad_rating),
        ] {
            if v < Points::ZERO {
                return Err(SystemError::NegativeCap { which, cap: v });
            }
        }
        if !(Percent::ZERO..=Percent::HUNDRED).contains(&self.excellence_share) {
            return Err(SystemError::PercentOutOfRange {
                which: "excellence_share",
                value: self.excellence_share,
            });
        }
        Ok(())
    }
}

/// What one person did and what was recorded about them in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonthFacts {
    /// Branches the person acted on (reviewed, approved, accepted …).
    pub handled: u64,
    /// Of those, acted on before the branch's due moment.
    pub on_time: u64,
    /// Rejections and supplement requests (退回), shown, not scored.
    pub returned: u64,
    pub yellow_cards: u64,
    pub red_cards: u64,
    pub statutory_breaches: u64,
    /// Sum of the inspector's conduct entries (each a positive deduction).
    pub conduct_entries: Points,
    pub admonitions: u64,
    pub measures: u64,
    pub valid_complaints: u64,
    pub bad_ratings: u64,
    /// Sum of the publicity entries (bonus).
    pub publicity_entries: Points,
}

/// One aspect's points with what it was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspectLine {
    /// `business`, `e_supervision`, `conduct`, `complaints`, `publicity`.
    pub aspect: String,
    /// 审批业务办理情况 …
    pub name: String,
    pub points: Points,
    pub max: Points,
    /// How the points came about, e.g. `40.00 × 9 / 10`.
    pub rule: String,
}

/// A month's rating (月评定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthRating {
    /// `None`: not rated (nothing handled).
    pub total: Option<Points>,
    pub grade: Option<Grade>,
    pub lines: Vec<AspectLine>,
    pub facts: MonthFacts,
}

fn minus(max: Points, parts: &[(u64, Points)], extra: Points) -> Points {
    let lost: i64 = parts
        .iter()
        .map(|(n, p)| {
            p.centi()
                .saturating_mul(i64::try_from(*n).unwrap_or(i64::MAX))
        })
        .fold(extra.centi(), i64::saturating_add);
    Points::from_centi((max.centi() - lost).max(0))
}

/// Rates one month under `sys`.
pub fn rate_month(sys: &StaffSystem, f: &MonthFacts) -> Result<MonthRating, ScoringError> {
    if f.on_time > f.handled {
        return Err(ScoringError::ScoreOutOfRange {
            which: "on_time above handled",
            value: Points::from_centi(i64::try_from(f.on_time).unwrap_or(i64::MAX)),
        });
    }
    for (which, v) in [
        ("conduct_entries", f.conduct_entries),
        ("publicity_entries", f.publicity_entries),
    ] {
        if v < Points::ZERO {
            return Err(ScoringError::ScoreOutOfRange { which, value: v });
        }
    }
    let business = Percent::from_counts(f.on_time, f.handled).map(|r| r.of(sys.business_max));
    let e_sup = minus(
        sys.e_supervision_max,
        &[
            (f.yellow_cards, sys.yellow_card),
            (f.red_cards, sys.red_card),
            (f.statutory_breaches, sys.statutory_breach),
        ],
        Points::ZERO,
    );
    let conduct = minus(
        sys.conduct_max,
        &[(f.admonitions, sys.admonition), (f.measures, sys.measure)],
        f.conduct_entries,
    );
    let complaints = minus(
        sys.complaints_max,
        &[
            (f.valid_complaints, sys.valid_complaint),
            (f.bad_ratings, sys.bad_rating),
        ],
        Points::ZERO,
    );
    let publicity = f.publicity_entries.min(sys.publicity_max);
    let line = |aspect: &str, name: &str, points: Points, max: Points, rule: String| AspectLine {
        aspect: aspect.into(),
        name: name.into(),
        points,
        max,
        rule,
    };
    let lines = vec![
        line(
            "business",
            "审批业务办理情况",
            business.unwrap_or(Points::ZERO),
            sys.business_max,
            format!(
                "{} × {} on time / {} handled ({} returned)",
                sys.business_max, f.on_time, f.handled, f.returned
            ),
        ),
        line(
            "e_supervision",
            "电子监察结果",
            e_sup,
            sys.e_supervision_max,
            format!(
                "{} − {} yellow × {} − {} red × {} − {} statutory × {}",
                sys.e_supervision_max,
                f.yellow_cards,
                sys.yellow_card,
                f.red_cards,
                sys.red_card,
                f.statutory_breaches,
                sys.statutory_breach
            ),
        ),
        line(
            "conduct",
            "人员行为规范",
            conduct,
            sys.conduct_max,
            format!(
                "{} − entries {} − {} admonitions × {} − {} measures × {}",
                sys.conduct_max,
                f.conduct_entries,
                f.admonitions,
                sys.admonition,
                f.measures,
                sys.measure
            ),
        ),
        line(
            "complaints",
            "被投诉情况",
            complaints,
            sys.complaints_max,
            format!(
                "{} − {} valid complaints × {} − {} 差评 × {}",
                sys.complaints_max,
                f.valid_complaints,
                sys.valid_complaint,
                f.bad_ratings,
                sys.bad_rating
            ),
        ),
        line(
            "publicity",
            "宣传报道",
            publicity,
            sys.publicity_max,
            format!(
                "entries {} (at most {})",
                f.publicity_entries, sys.publicity_max
            ),
        ),
    ];
    let total = business.map(|b| {
        (b + e_sup + conduct + complaints + publicity).clamp_to(Points::ZERO, Points::HUNDRED)
    });
    Ok(MonthRating {
        total,
        grade: total.map(Grade::of),
        lines,
        facts: *f,
    })
}

/// Mean of the rated months (rounded once), `None` when none was rated.
pub fn mean_of_rated(months: &[MonthRating]) -> Option<Points> {
    let rated: Vec<i64> = months
        .iter()
        .filter_map(|m| m.total.map(Points::centi))
        .collect();
    let n = i128::try_from(rated.len()).ok().filter(|n| *n > 0)?;
    let sum: i128 = rated.iter().map(|v| i128::from(*v)).sum();
    Some(Points::from_centi(to_i64(div_round(sum, n))))
}

/// How many of `rated` people may hold the hall's excellence quota: `ceil(share × rated)`.
pub fn excellence_quota(share: Percent, rated: usize) -> usize {
    let rated = i64::try_from(rated).unwrap_or(i64::MAX);
    let num = share.centi().saturating_mul(rated);
    usize::try_from((num + 9_999) / 10_000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: i64) -> Points {
        Points::from_centi(c)
    }

    fn rate(f: MonthFacts) -> MonthRating {
        rate_month(&StaffSystem::default(), &f).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_month_by_hand() {
        // 9 of 10 on time: 40 × 0.9 = 36.00; one yellow card: 20 − 2 = 18.00; conduct entries
        // 3.00 and one admonition: 20 − 3 − 5 = 12.00; one 差评 naming the person: 20 − 5 =
        // 15.00; publicity 2.00. Total 83.00, 良好.
        let m = rate(MonthFacts {
            handled: 10,
            on_time: 9,
            returned: 2,
            yellow_cards: 1,
            conduct_entries: p(300),
            admonitions: 1,
            bad_ratings: 1,
            publicity_entries: p(200),
            ..MonthFacts::default()
        });
        let pts: Vec<i64> = m.lines.iter().map(|l| l.points.centi()).collect();
        assert_eq!(pts, [3_600, 1_800, 1_200, 1_500, 200]);
        assert_eq!(m.total, Some(p(8_300)));
        assert_eq!(m.grade, Some(Grade::Good));
    }

    #[test]
    fn floors_caps_and_nothing_handled() {
        // Four red cards: 20 − 20 = 0, never negative; publicity 9 capped at 5; 100 + 5 → 100.
        let m = rate(MonthFacts {
            handled: 4,
            on_time: 4,
            red_cards: 4,
            publicity_entries: p(900),
            ..MonthFacts::default()
        });
        assert_eq!(m.lines[1].points, Points::ZERO);
        assert_eq!(m.lines[4].points, p(500));
        // 40 + 0 + 20 + 20 + 5 = 85.00
        assert_eq!(m.total, Some(p(8_500)));
        let all = rate(MonthFacts {
            handled: 1,
            on_time: 1,
            publicity_entries: p(500),
            ..MonthFacts::default()
        });
        assert_eq!(all.total, Some(Points::HUNDRED));
        // Nothing handled: not rated, however clean the rest.
        let idle = rate(MonthFacts::default());
        assert_eq!((idle.total, idle.grade), (None, None));
        assert!(rate_month(
            &StaffSystem::default(),
            &MonthFacts {
                handled: 1,
                on_time: 2,
                ..MonthFacts::default()
            }
        )
        .is_err());
    }

    #[test]
    fn the_system_is_checked() {
        assert_eq!(StaffSystem::default().validate(), Ok(()));
        let s = StaffSystem {
            business_max: Points::whole(50),
            ..StaffSystem::default()
        };
        assert_eq!(
            s.validate(),
            Err(SystemError::MaxPointsSum {
                total: Points::whole(110)
            })
        );
        let s = StaffSystem {
            red_card: Points::from_centi(-1),
            ..StaffSystem::default()
        };
        assert!(s.validate().is_err());
        let s = StaffSystem {
            excellence_share: Percent::from_centi(10_001),
            ..StaffSystem::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn quarter_and_year_means_skip_unrated_months_and_the_quota_rounds_up() {
        let months = [
            rate(MonthFacts {
                handled: 2,
                on_time: 2,
                ..MonthFacts::default()
            }), // 100.00
            rate(MonthFacts::default()), // not rated
            rate(MonthFacts {
                handled: 4,
                on_time: 3,
                ..MonthFacts::default()
            }), // 30 + 60 = 90.00
        ];
        // (100 + 90) / 2 = 95.00: 优秀
        assert_eq!(mean_of_rated(&months), Some(p(9_500)));
        assert_eq!(mean_of_rated(&months[1..2]), None);
        assert_eq!(excellence_quota(Percent::whole(20), 11), 3);
        assert_eq!(excellence_quota(Percent::whole(20), 10), 2);
        assert_eq!(excellence_quota(Percent::whole(20), 0), 0);
    }
}
