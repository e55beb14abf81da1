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
            ("satisfaction", 1_350),
            ("integrity", 400),
            ("volume", 300),
        ]
    );
    assert_eq!(s.base, p(8_570));
    assert_eq!(s.bonus_applied, p(200));
    assert_eq!(s.deduction_applied, p(100));
    assert_eq!(s.assessed, p(8_670));
    assert_eq!(s.total, p(8_670));
    assert!(s
        .categories
        .iter()
        .all(|c| c.applicable && c.effective_max == c.max_points));
    assert_eq!(s.grade, Grade::Good);
    assert!(
        s.thresholds_applied.is_empty(),
        "{:?}",
        s.thresholds_applied
    );
    assert_eq!(s.satisfaction(), Some(Percent::from_centi(9_000)));
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
            ratio: Some(Percent::from_centi(9_500))
        })
    );
}

#[test]
fn bonus_is_capped() {
    let mut inputs = worked_inputs();
    inputs.bonuses = vec![line("创新 A", 300), line("创新 B", 400)];
    let s = ok(&inputs);
    // 7.00 requested, cap 5.00: 85.70 + 5.00 − 1.00 = 89.70
    assert_eq!(s.bonus_applied, p(500));
    assert_eq!(s.total, p(8_970));
    assert_eq!(s.bonuses.len(), 2);
    assert_eq!(s.thresholds_applied, ["bonus 7.00 capped at 5.00"]);
}

#[test]
fn deductions_are_capped() {
    let mut inputs = worked_inputs();
    inputs.bonuses.clear();
    inputs.deductions = vec![line("超时", 800), line("投诉", 700)];
    let s = ok(&inputs);
    // 15.00 requested, cap 10.00: 85.70 − 10.00 = 75.70
    assert_eq!(s.deduction_applied, p(1_000));
    assert_eq!(s.total, p(7_570));
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
    // every rate is 0 % and no case means volume tier 0: base 0.00; 0.00 − 5.00 → 0.00
    assert_eq!(s.base, Points::ZERO);
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

fn empty_quarter() -> QuarterInputs {
    QuarterInputs {
        period: worked_inputs().period,
        manual: ["standardisation", "openness", "quality", "integrity"]
            .iter()
            .map(|k| manual(k, 0))
            .collect(),
        ..QuarterInputs::default()
    }
}

#[test]
fn a_department_that_finished_nothing_gets_no_free_points() {
    // Under the old reading (empty ratio = 100 %) this department collected
    // 10 (coverage) + 20 (efficiency) + 10 (data exchange) + 1 (volume tier 1) = 41.00.
    let s = ok(&empty_quarter());
    assert_eq!(s.base, Points::ZERO);
    assert_eq!(s.total, Points::ZERO);
    for key in [
        "e_supervision",
        "efficiency",
        "data_exchange",
        "satisfaction",
    ] {
        let c = s.category(key);
        assert_eq!(c.map(|c| c.applicable), Some(false), "{key}");
        assert_eq!(
            c.and_then(|c| c.empty_handling),
            Some(EmptyHandling::NotAwarded),
            "{key}"
        );
    }
    assert_eq!(
        s.thresholds_applied,
        ["satisfaction: callbacks 0 below the minimum 30", "nothing to measure for e_supervision, efficiency, data_exchange, satisfaction: no rate indicator applicable, 55.00 not awarded"]
    );
}

#[test]
fn an_empty_indicator_is_redistributed_by_largest_remainder() {
    let mut inputs = worked_inputs();
    inputs.coverage = CoverageInput { should: 0, are: 0 };
    let s = ok(&inputs);
    // 10.00 shared over efficiency 20, data exchange 10, satisfaction 15 (of 45):
    // 4.444…, 2.222…, 3.333… → 4.44 + 2.22 + 3.33 = 9.99, the last hundredth to the largest
    // remainder (efficiency): 24.45, 12.22, 18.33 (sum 55.00).
    let eff: Vec<(&str, i64)> = s
        .categories
        .iter()
        .map(|c| (c.key.as_str(), c.effective_max.centi()))
        .collect();
    assert_eq!(
        eff,
        [
            ("e_supervision", 0),
            ("standardisation", 1_500),
            ("openness", 1_000),
            ("efficiency", 2_445),
            ("data_exchange", 1_222),
            ("quality", 1_000),
            ("satisfaction", 1_833),
            ("integrity", 500),
            ("volume", 500),
        ]
    );
    // 81 % × 24.45 = 19.8045 → 19.80; 90 % × 12.22 = 10.998 → 11.00; 90 % × 18.33 = 16.497 → 16.50
    let pts = |k: &str| s.category(k).map(|c| c.points.centi());
    assert_eq!(pts("efficiency"), Some(1_980));
    assert_eq!(pts("data_exchange"), Some(1_100));
    assert_eq!(pts("satisfaction"), Some(1_650));
    assert_eq!(pts("e_supervision"), Some(0));
    // 34.50 manual + 3.00 volume + 19.80 + 11.00 + 16.50 = 84.80; + 2.00 − 1.00 = 85.80
    assert_eq!(s.base, p(8_480));
    assert_eq!(s.total, p(8_580));
    assert_eq!(
        s.category("e_supervision").and_then(|c| c.empty_handling),
        Some(EmptyHandling::Redistributed)
    );
    assert_eq!(
        s.category("efficiency").and_then(|c| c.empty_handling),
        Some(EmptyHandling::Received)
    );
    assert_eq!(
        s.category("volume").and_then(|c| c.empty_handling),
        None,
        "volume is a tier, not a rate: it neither gives nor receives"
    );
}

#[test]
fn the_fixed_policy_scores_what_the_system_says() {
    let mut inputs = worked_inputs();
    inputs.coverage = CoverageInput { should: 0, are: 0 };
    let mut system = IndicatorSystem::fenghua_default();
    system.empty_policy = EmptyPolicy::Fixed {
        share: Percent::ZERO,
    };
    let s = score_quarter(&system, &inputs).unwrap_or_else(|e| panic!("{e}"));
    // 85.70 − 9.50 (coverage) = 76.20; + 2.00 − 1.00 = 77.20
    assert_eq!(s.base, p(7_620));
    assert_eq!(s.total, p(7_720));
    assert_eq!(
        s.category("e_supervision").and_then(|c| c.empty_handling),
        Some(EmptyHandling::Fixed)
    );
    system.empty_policy = EmptyPolicy::Fixed {
        share: Percent::HUNDRED,
    };
    let s = score_quarter(&system, &inputs).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.category("e_supervision").map(|c| c.points),
        Some(p(1_000))
    );
}

fn fact(kind: FactKind, id: &str) -> SupervisionFact {
    SupervisionFact {
        kind,
        source_id: id.to_string(),
    }
}

#[test]
fn supervision_facts_become_deduction_lines() {
    let mut inputs = worked_inputs();
    inputs.facts = vec![
        fact(FactKind::RedCard, "card:7"),
        fact(FactKind::RedCard, "card:8"),
        fact(FactKind::ValidComplaint, "complaint:3"),
        fact(FactKind::LateClaim, "claim:41"),
    ];
    let s = ok(&inputs);
    // red 2 × 1.00 + complaint 1.00 + late claim 0.50 = 3.50, + the assessor's 1.00 = 4.50
    assert_eq!(s.deduction_requested, p(450));
    assert_eq!(s.deduction_applied, p(450));
    // 85.70 + 2.00 − 4.50 = 83.20
    assert_eq!(s.total, p(8_320));
    let lines: Vec<(FactKind, Vec<String>, i64)> = s
        .fact_deductions
        .iter()
        .map(|l| (l.fact, l.source_ids.clone(), l.points.centi()))
        .collect();
    assert_eq!(
        lines,
        [
            (
                FactKind::RedCard,
                vec!["card:7".to_string(), "card:8".to_string()],
                200
            ),
            (
                FactKind::ValidComplaint,
                vec!["complaint:3".to_string()],
                100
            ),
            (FactKind::LateClaim, vec!["claim:41".to_string()], 50),
        ]
    );
    // Twelve red cards: 12.00 capped at 5.00 for the kind; with the assessor's 1.00 and
    // six statutory breaches (12.00 → 6.00): 12.00 capped at 10.00 overall.
    inputs.facts = (0..12)
        .map(|i| fact(FactKind::RedCard, &format!("card:{i}")))
        .chain((0..6).map(|i| fact(FactKind::StatutoryBreach, &format!("card:s{i}"))))
        .collect();
    let s = ok(&inputs);
    assert_eq!(s.deduction_requested, p(1_200));
    assert_eq!(s.deduction_applied, p(1_000));
    assert!(s
        .thresholds_applied
        .iter()
        .any(|n| n == "红牌 deductions 12.00 capped at 5.00"));
}

#[test]
fn a_deduction_needs_its_source_fact() {
    let mut inputs = worked_inputs();
    inputs.deductions[0].source = None;
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::DeductionWithoutSource { index: 0 })
    );
    inputs.deductions[0].source = Some("  ".into());
    assert!(score(&inputs).is_err());
    // A bonus may go without one.
    let mut inputs = worked_inputs();
    inputs.bonuses[0].source = None;
    assert!(score(&inputs).is_ok());
    let mut inputs = worked_inputs();
    inputs.facts = vec![fact(FactKind::YellowCard, "")];
    assert_eq!(
        score(&inputs).err(),
        Some(ScoringError::FactWithoutSource { index: 0 })
    );
}

#[test]
fn self_assessment_and_peer_review_are_shown_and_counted_only_when_weighted() {
    let mut inputs = worked_inputs();
    inputs.self_assessment = Some(Points::HUNDRED);
    inputs.peer_reviews = vec![p(8_000), p(9_000)];
    let s = ok(&inputs);
    assert_eq!(s.total, p(8_670), "weights 0: shown, not counted");
    assert_eq!(
        s.peer_review.map(|r| (r.score, r.count, r.counted)),
        Some((p(8_500), 2, false))
    );
    let mut system = IndicatorSystem::fenghua_default();
    system.self_assessment_weight = 10;
    system.peer_review_weight = 10;
    let s = score_quarter(&system, &inputs).unwrap_or_else(|e| panic!("{e}"));
    // 86.70 × 80 % + 100 × 10 % + 85 × 10 % = 69.36 + 10.00 + 8.50 = 87.86
    assert_eq!(s.assessed, p(8_670));
    assert_eq!(s.total, p(8_786));
    // No peer ratings: its weight goes back to the assessed score.
    inputs.peer_reviews.clear();
    let s = score_quarter(&system, &inputs).unwrap_or_else(|e| panic!("{e}"));
    // 86.70 × 90 % + 100 × 10 % = 78.03 + 10.00 = 88.03
    assert_eq!(s.total, p(8_803));
    inputs.self_assessment = Some(p(10_001));
    assert!(matches!(
        score_quarter(&system, &inputs),
        Err(ScoringError::ScoreOutOfRange {
            which: "self_assessment",
            ..
        })
    ));
}

#[test]
fn second_round_on_low_total_or_low_satisfaction() {
    let rule = SecondRoundRule::default();
    let s = ok(&worked_inputs());
    // 86.70 and 90 %: neither is below.
    assert_eq!(second_round_reason(&s, &rule), None);
    let mut inputs = worked_inputs();
    inputs.satisfaction.onsite = four(50, 10, 40, 0); // 60 % → 0.4×60+0.4×90+0.2×90 = 78 %
    let s = ok(&inputs);
    assert_eq!(
        second_round_reason(&s, &rule).as_deref(),
        Some("satisfaction 78.00% below 80.00%")
    );
    let s = ok(&empty_quarter());
    assert_eq!(
        second_round_reason(&s, &rule).as_deref(),
        Some("total 0.00 below 60.00")
    );
}

#[test]
fn tied_totals_share_a_rank() {
    assert_eq!(
        competition_ranks(&[p(10_000), p(9_000), p(9_000), p(8_000)]),
        [1, 2, 2, 4]
    );
    assert_eq!(competition_ranks(&[p(5_000), p(5_000)]), [1, 1]);
    assert!(competition_ranks(&[]).is_empty());
}
