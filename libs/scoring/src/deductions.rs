//! Supervision facts as deductions (扣分): every yellow or red card (黄牌/红牌), statutory-limit
//! breach (超法定时限), valid complaint (有效投诉), claim not made within its limit (审管互动
//! 逾期认领) and 差评 rectification past its deadline becomes one line with the ids of the facts
//! it counts. Points per fact and a cap per kind are data in the indicator system
//! ([`DeductionRule`]); the system's overall deduction cap then applies to these lines and the
//! assessor's own deductions together (see [`quarter`](crate::quarter)).
//!
//! The sources say these facts are counted against a department; they give no points. The
//! figures of [`default_rules`] are **this product's defaults**, to be set by each centre.

use serde::{Deserialize, Serialize};

use crate::error::{ScoringError, SystemError};
use crate::points::Points;

/// A kind of supervision fact that can cost points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// 黄牌: a promised limit (承诺时限) passed.
    YellowCard,
    /// 红牌: overdue past the red-card delay.
    RedCard,
    /// 超法定时限: the statutory limit (行政许可法第四十二条) passed.
    StatutoryBreach,
    /// 有效投诉: a complaint a supervisor found valid.
    ValidComplaint,
    /// 逾期认领: a decision pushed to a supervising department (审管互动) not claimed in time.
    LateClaim,
    /// 差评整改逾期: a bad-rating rectification not done by its deadline.
    OverdueRectification,
}

impl FactKind {
    /// Every kind, in report order.
    pub const ALL: [FactKind; 6] = [
        FactKind::YellowCard,
        FactKind::RedCard,
        FactKind::StatutoryBreach,
        FactKind::ValidComplaint,
        FactKind::LateClaim,
        FactKind::OverdueRectification,
    ];

    /// The Chinese name shown in reports.
    pub fn name_zh(self) -> &'static str {
        match self {
            FactKind::YellowCard => "黄牌",
            FactKind::RedCard => "红牌",
            FactKind::StatutoryBreach => "超法定时限",
            FactKind::ValidComplaint => "有效投诉",
            FactKind::LateClaim => "逾期认领",
            FactKind::OverdueRectification => "差评整改逾期",
        }
    }
}

/// Points per fact and the most one kind may cost in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionRule {
    pub fact: FactKind,
    pub points_per_fact: Points,
    pub cap: Points,
}

/// This product's default rules (not from the sources): yellow 0.50 (cap 3), red 1.00 (cap 5),
/// statutory breach 2.00 (cap 6), valid complaint 1.00 (cap 4), late claim 0.50 (cap 2),
/// overdue rectification 1.00 (cap 3).
pub fn default_rules() -> Vec<DeductionRule> {
    let r = |fact, per, cap| DeductionRule {
        fact,
        points_per_fact: Points::from_centi(per),
        cap: Points::from_centi(cap),
    };
    vec![
        r(FactKind::YellowCard, 50, 300),
        r(FactKind::RedCard, 100, 500),
        r(FactKind::StatutoryBreach, 200, 600),
        r(FactKind::ValidComplaint, 100, 400),
        r(FactKind::LateClaim, 50, 200),
        r(FactKind::OverdueRectification, 100, 300),
    ]
}

/// Rules are unique per kind, with non-negative points and caps.
pub fn validate_rules(rules: &[DeductionRule]) -> Result<(), SystemError> {
    for (index, rule) in rules.iter().enumerate() {
        if rules[..index].iter().any(|r| r.fact == rule.fact) {
            return Err(SystemError::DuplicateDeductionRule { fact: rule.fact });
        }
        if rule.points_per_fact < Points::ZERO || rule.cap < Points::ZERO {
            return Err(SystemError::NegativeDeductionRule { fact: rule.fact });
        }
    }
    Ok(())
}

/// One fact of the quarter, with the id of its record (e.g. `card:12`, `complaint:7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionFact {
    pub kind: FactKind,
    pub source_id: String,
}

/// One deduction line made from facts of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactDeduction {
    pub fact: FactKind,
    /// 黄牌, 红牌, …
    pub name: String,
    /// The records counted, sorted.
    pub source_ids: Vec<String>,
    pub count: u64,
    pub points_per_fact: Points,
    /// `count × points_per_fact`.
    pub requested: Points,
    /// After the kind's cap.
    pub points: Points,
    pub cap: Points,
}

/// The deduction lines for `facts` under `rules`, one per kind that has facts, in
/// [`FactKind::ALL`] order. A fact without a source id is refused; a kind without a rule
/// costs nothing but is still listed (points 0) so the breakdown shows it was seen.
pub fn deduct_facts(
    rules: &[DeductionRule],
    facts: &[SupervisionFact],
) -> Result<Vec<FactDeduction>, ScoringError> {
    if let Some(index) = facts.iter().position(|f| f.source_id.trim().is_empty()) {
        return Err(ScoringError::FactWithoutSource { index });
    }
    let mut out = Vec::new();
    for kind in FactKind::ALL {
        let mut ids: Vec<String> = facts
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.source_id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        ids.sort();
        ids.dedup();
        let count = u64::try_from(ids.len()).unwrap_or(u64::MAX);
        let rule = rules.iter().find(|r| r.fact == kind);
        let per = rule.map_or(Points::ZERO, |r| r.points_per_fact);
        let cap = rule.map_or(Points::ZERO, |r| r.cap);
        let requested = Points::from_centi(
            per.centi()
                .saturating_mul(i64::try_from(count).unwrap_or(i64::MAX)),
        );
        out.push(FactDeduction {
            fact: kind,
            name: kind.name_zh().to_string(),
            source_ids: ids,
            count,
            points_per_fact: per,
            requested,
            points: requested.min(cap),
            cap,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(kind: FactKind, id: &str) -> SupervisionFact {
        SupervisionFact {
            kind,
            source_id: id.to_string(),
        }
    }

    #[test]
    fn lines_per_kind_with_caps_and_ids() {
        let facts = [
            fact(FactKind::RedCard, "card:2"),
            fact(FactKind::RedCard, "card:1"),
            fact(FactKind::ValidComplaint, "complaint:9"),
            // the same record twice counts once
            fact(FactKind::ValidComplaint, "complaint:9"),
            fact(FactKind::YellowCard, "card:3"),
        ];
        let lines = deduct_facts(&default_rules(), &facts).unwrap_or_default();
        let got: Vec<(FactKind, u64, i64)> = lines
            .iter()
            .map(|l| (l.fact, l.count, l.points.centi()))
            .collect();
        // yellow 1 × 0.50; red 2 × 1.00; complaint 1 × 1.00
        assert_eq!(
            got,
            [
                (FactKind::YellowCard, 1, 50),
                (FactKind::RedCard, 2, 200),
                (FactKind::ValidComplaint, 1, 100)
            ]
        );
        assert_eq!(lines[1].source_ids, ["card:1", "card:2"]);
        assert_eq!(lines[1].name, "红牌");

        // 7 statutory breaches × 2.00 = 14.00, capped at 6.00
        let many: Vec<_> = (0..7)
            .map(|i| fact(FactKind::StatutoryBreach, &format!("card:{i}")))
            .collect();
        let l = deduct_facts(&default_rules(), &many).unwrap_or_default();
        assert_eq!(l[0].requested, Points::from_centi(1_400));
        assert_eq!(l[0].points, Points::from_centi(600));
    }

    #[test]
    fn a_fact_without_source_and_bad_rules_are_refused() {
        assert_eq!(
            deduct_facts(&default_rules(), &[fact(FactKind::LateClaim, " ")]),
            Err(ScoringError::FactWithoutSource { index: 0 })
        );
        let mut rules = default_rules();
        rules.push(rules[0]);
        assert_eq!(
            validate_rules(&rules),
            Err(SystemError::DuplicateDeductionRule {
                fact: FactKind::YellowCard
            })
        );
        let mut rules = default_rules();
        rules[1].cap = Points::from_centi(-1);
        assert!(validate_rules(&rules).is_err());
        // No rule for a kind: listed, costs nothing.
        let l = deduct_facts(&[], &[fact(FactKind::LateClaim, "claim:1")]).unwrap_or_default();
        assert_eq!(l[0].points, Points::ZERO);
        assert_eq!(l[0].count, 1);
    }
}
