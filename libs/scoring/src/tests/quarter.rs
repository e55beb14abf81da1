use super::*;

fn ok(inputs: &QuarterInputs) -> QuarterScore {
    match score(inputs) {
        Ok(s) => s,
        Err(e) => panic!("expected a score, got {e}"),
    }
}

#[test]
fn worked_quarter_matches_hand_computation() {
    let s = ok(&worked_inputs());
    let points: Vec<(&str, i64)> = s
        .categories
        .iter()
        .map(|c| (c.key.as_str(), c.points.centi()))
        .collect();
    assert_eq!(
        points,
        [
            ("e_supervision", 950),
            ("standardisation", 1_350),
            ("openness", 900),
            ("efficiency", 1_620),
            ("data_exchange", 900),
            ("quality", 800),
            ("satisfaction", 1_296),
            ("integrity", 400),
            ("volume", 300),
        ]
    );
    assert_eq!(s.base, p(8_516));
    assert_eq!(s.bonus_applied, p(200));
    assert_eq!(s.deduction_applied, p(100));
    assert_eq!(s.total, p(8_616));
    assert_eq!(s.grade, Grade::Good);
    assert!(
        s.thresholds_applied.is_empty(),
        "{:?}",
        s.thresholds_applied
    );
    assert_eq!(s.satisfaction(), Some(Percent::from_centi(8_640)));
    assert_eq!(
        s.category("volume").map(|c| c.inputs.clone()),
        Some(ContributionInputs::Volume {
            count: 2_500,
            tier: 3,
            tiers: [500, 2_000, 5_000, 10_000]
        })
    );
    assert_eq!(
        s.category("e_supervision").map(|c| c.inputs.clone()),
        Some(ContributionInputs::Coverage {
            should: 200,
            are: 190,
            ratio: Percent::from_centi(9_500)
        })
    );
}

#[test]
fn bonus_is_capped() {
    let mut inputs = worked_inputs();
    inputs.bonuses = vec![line("创新 A", 300), line("创新 B", 400)];
    let s = ok(&inputs);
    // 7.00 requested, cap 5.00: 85.16 + 5.00 − 1.00 = 89.16
    assert_eq!(s.bonus_applied, p(500));
    assert_eq!(s.total, p(8_916));
    assert_eq!(s.bonuses.len(), 2);
    assert_eq!(s.thresholds_applied, ["bonus 7.00 capped at 5.00"]);
}

#[test]
fn deductions_are_capped() {
    let mut inputs = worked_inputs();
    inputs.bonuses.clear();
    inputs.deductions = vec![line("超时", 800), line("投诉", 700)];
    let s = ok(&inputs);
    // 15.00 requested, cap 10.00: 85.16 − 10.00 = 75.16
    assert_eq!(s.deduction_applied, p(1_000));
    assert_eq!(s.total, p(7_516));
    assert_eq!(s.grade, Grade::Pass);
}

#[test]
fn total_is_clamped_at_100() {
    let mut inputs = worked_inputs();
    inputs.coverage = CoverageInput {
        should: 10,
        are: 10,
    };
    inputs.efficiency = EfficiencyInput {
        finished: 10,
        on_time: 10,
        early: 10,
    };
    inputs.data_exchange = DataExchangeInput {
        reported_in_time: 5,
        total: 5,
    };
    inputs.satisfaction = SatisfactionInputs {
        onsite: four(40, 0, 0, 0),
        haocha: HaochaCounts::default(),
        callbacks: four(30, 0, 0, 0),
    };
    inputs.case_volume = 10_000;
    inputs.manual = vec![
        manual("standardisation", 1_500),
        manual("openness", 1_000),
        manual("quality", 1_000),
        manual("integrity", 500),
    ];
    inputs.deductions.clear();
    let s = ok(&inputs);
    // base 100.00 + bonus 2.00 = 102.00 → 100.00
    assert_eq!(s.base, Points::HUNDRED);
    assert_eq!(s.total, Points::HUNDRED);
    assert_eq!(s.grade, Grade::Excellent);
    assert!(s
        .thresholds_applied
        .iter()
        .any(|n| n == "total 102.00 clamped to 100.00"));
    assert!(s
        .thresholds_applied
        .iter()
        .any(|n| n == "satisfaction: source Haocha empty, weights renormalised"));
}

#[test]
fn total_is_clamped_at_0() {
    let mut inputs = worked_inputs();
    inputs.coverage.are = 0;
    inputs.efficiency = EfficiencyInput {
        finished: 10,
        on_time: 0,
        early: 0,
    };
    inputs.data_exchange.reported_in_time = 0;
    inputs.satisfaction = SatisfactionInputs {
        onsite: four(0, 0, 0, 3),
        ..SatisfactionInputs::default()
    };
    inputs.case_volume = 0;
    inputs.manual = ["standardisation", "openness", "quality", "integrity"]
        .iter()
        .map(|k| manual(k, 0))
        .collect();
    inputs.bonuses.clear();
    inputs.deductions = vec![line("违纪", 500)];
    let s = ok(&inputs);
    // only volume tier 1 scores: 1/5 × 5 = 1.00; 1.00 − 5.00 → 0.00
    assert_eq!(s.base, p(100));
    assert_eq!(s.total, Points::ZERO);
    assert_eq!(s.grade, Grade::Fail);
    assert!(needs_rectification(s.grade));
}

#[test]
fn manual_score_out_of_range_names_the_category() {
    let mut inputs = worked_inputs();
    inputs.manual[1] = manual("openness", 1_001);
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::ManualOutOfRange {
            category: "openness".to_string(),
            points: p(1_001),
            max: p(1_000),
        })
    );
    inputs.manual[1] = manual("openness", -1);
    assert!(matches!(
        score(&inputs),
        Err(ScoringError::ManualOutOfRange { category, .. }) if category == "openness"
    ));
}

#[test]
fn missing_evidence_names_the_category() {
    let mut inputs = worked_inputs();
    inputs.manual[2].evidence.clear();
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::MissingEvidence {
            category: "quality".to_string()
        })
    );
    inputs.manual[2].evidence = vec!["  ".to_string()];
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::MissingEvidence {
            category: "quality".to_string()
        })
    );
}

#[test]
fn manual_scores_must_match_the_manual_categories() {
    let mut inputs = worked_inputs();
    inputs.manual.pop();
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::MissingManualScore {
            category: "integrity".to_string()
        })
    );
    let mut inputs = worked_inputs();
    inputs.manual.push(manual("openness", 500));
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::DuplicateManualScore {
            category: "openness".to_string()
        })
    );
    let mut inputs = worked_inputs();
    inputs.manual.push(manual("efficiency", 500));
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::NotManual {
            category: "efficiency".to_string()
        })
    );
    let mut inputs = worked_inputs();
    inputs.manual.push(manual("morale", 500));
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::UnknownCategory {
            category: "morale".to_string()
        })
    );
}

#[test]
fn adjustments_need_reason_and_positive_points() {
    let mut inputs = worked_inputs();
    inputs.bonuses.push(line(" ", 100));
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::MissingReason {
            kind: AdjustmentKind::Bonus,
            index: 1
        })
    );
    let mut inputs = worked_inputs();
    inputs.deductions = vec![line("zero", 0)];
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::NonPositiveAdjustment {
            kind: AdjustmentKind::Deduction,
            index: 0,
            points: Points::ZERO
        })
    );
}

#[test]
fn invalid_period_system_or_counts_are_errors() {
    let mut inputs = worked_inputs();
    inputs.period.quarter = 5;
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::InvalidQuarter { quarter: 5 })
    );

    let mut system = IndicatorSystem::fenghua_default();
    system.categories[0].max_points = p(900);
    assert_eq!(
        score_quarter(&system, &worked_inputs()).err(),
        Some(ScoringError::InvalidSystem(SystemError::MaxPointsSum {
            total: p(9_900)
        }))
    );

    let mut inputs = worked_inputs();
    inputs.coverage.are = 201;
    assert!(matches!(
        score(&inputs),
        Err(ScoringError::InconsistentCounts {
            kind: ComputedKind::Coverage,
            ..
        })
    ));
}

#[test]
fn short_callback_sample_is_noted() {
    let mut inputs = worked_inputs();
    inputs.satisfaction.callbacks = four(10, 10, 9, 0);
    let s = ok(&inputs);
    assert_eq!(
        s.thresholds_applied,
        ["satisfaction: callbacks 29 below the minimum 30"]
    );
}
