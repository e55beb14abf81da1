//! Cross-module tests. Expected values are computed by hand in comments.

mod annual;
mod props;
mod quarter;
mod weighting;

use crate::*;

pub(crate) fn p(centi: i64) -> Points {
    Points::from_centi(centi)
}

pub(crate) fn manual(category: &str, centi: i64) -> ManualScore {
    ManualScore {
        category: category.to_string(),
        points: p(centi),
        evidence: vec![format!("{category}-evidence.pdf")],
    }
}

pub(crate) fn line(reason: &str, centi: i64) -> Adjustment {
    Adjustment {
        reason: reason.to_string(),
        points: p(centi),
        source: Some(format!("doc:{reason}")),
    }
}

pub(crate) fn four(vs: u64, s: u64, a: u64, d: u64) -> FourLevelCounts {
    FourLevelCounts {
        very_satisfied: vs,
        satisfied: s,
        average: a,
        dissatisfied: d,
    }
}

/// The worked Fenghua quarter (2024 Q1, revision 11):
///
/// | category | input | points |
/// |---|---|---:|
/// | 电子监察覆盖率 /10 | 190 of 200 = 95 % | 9.50 |
/// | 规范类 /15 | manual | 13.50 |
/// | 公开类 /10 | manual | 9.00 |
/// | 高效类 /20 | 380/400 on time 95 %, 100/400 early 25 % → 0.8×95+0.2×25 = 81 % | 16.20 |
/// | 数据交换 /10 | 450 of 500 = 90 % | 9.00 |
/// | 优质类 /10 | manual | 8.00 |
/// | 群众满意 /15 | 满意率 90/100, 90/100, 27/30 → 0.4×90 + 0.4×90 + 0.2×90 = 90 % | 13.50 |
/// | 廉洁类 /5 | manual | 4.00 |
/// | 办件量 /5 | 2 500 cases → tier 3 → 3/5 × 5 | 3.00 |
///
/// Base 85.70, bonus 2.00, deduction 1.00 → total 86.70 (良好).
pub(crate) fn worked_inputs() -> QuarterInputs {
    QuarterInputs {
        period: QuarterId {
            year: 2024,
            quarter: 1,
            revision_id: 11,
        },
        coverage: CoverageInput {
            should: 200,
            are: 190,
        },
        efficiency: EfficiencyInput {
            finished: 400,
            on_time: 380,
            early: 100,
        },
        data_exchange: DataExchangeInput {
            reported_in_time: 450,
            total: 500,
        },
        satisfaction: SatisfactionInputs {
            onsite: four(60, 30, 10, 0),
            haocha: HaochaCounts {
                very_satisfied: 50,
                satisfied: 30,
                basically_satisfied: 10,
                dissatisfied: 10,
                very_dissatisfied: 0,
            },
            callbacks: four(15, 12, 3, 0),
        },
        case_volume: 2_500,
        manual: vec![
            manual("standardisation", 1_350),
            manual("openness", 900),
            manual("quality", 800),
            manual("integrity", 400),
        ],
        bonuses: vec![line("一网通办 innovation", 200)],
        deductions: vec![line("complaint upheld", 100)],
        ..QuarterInputs::default()
    }
}

pub(crate) fn score(inputs: &QuarterInputs) -> Result<QuarterScore, ScoringError> {
    score_quarter(&IndicatorSystem::fenghua_default(), inputs)
}

/// The worked quarter re-labelled as quarter `q` with the given total.
pub(crate) fn quarter_with_total(q: u8, total_centi: i64) -> QuarterScore {
    let mut inputs = worked_inputs();
    inputs.period.quarter = q;
    inputs.period.revision_id = 100 + i64::from(q);
    match score(&inputs) {
        Ok(mut s) => {
            s.total = p(total_centi);
            s.grade = Grade::of(s.total);
            s
        }
        Err(e) => panic!("worked quarter must score: {e}"),
    }
}
