use super::*;

fn annual_with(score_centi: i64) -> AnnualScore {
    let qs = [quarter_with_total(1, 9_000), quarter_with_total(2, 8_000)];
    match annual(&qs) {
        Ok(mut a) => {
            a.score = p(score_centi);
            a.grade = Grade::of(a.score);
            a
        }
        Err(e) => panic!("{e}"),
    }
}

fn pct(centi: i64) -> Percent {
    Percent::from_centi(centi)
}

fn weigh(scheme: &WeightingScheme, score_centi: i64, sat: i64) -> CadreContribution {
    match weigh_department(scheme, &annual_with(score_centi), Some(pct(sat))) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn second_assessment(c: &CadreContribution) -> Option<bool> {
    match c.detail {
        CadreDetail::Hohhot {
            second_assessment, ..
        } => Some(second_assessment),
        CadreDetail::Qingyang { .. } => None,
    }
}

#[test]
fn presets_validate() {
    assert_eq!(WeightingScheme::hohhot().validate(), Ok(()));
    assert_eq!(WeightingScheme::qingyang().validate(), Ok(()));
}

#[test]
fn hohhot_is_35_percent_of_annual() {
    let c = weigh(&WeightingScheme::hohhot(), 8_640, 9_000);
    // 86.40 × 0.35 = 30.24 of 35.00
    assert_eq!(c.contribution, p(3_024));
    assert_eq!(c.out_of, p(3_500));
    assert_eq!(c.window_score, p(8_640));
    assert_eq!(second_assessment(&c), Some(false));
    let prov = &c.provenance;
    assert_eq!(prov.scheme_key, "hohhot");
    assert_eq!(prov.scheme_version, 1);
    let ids: Vec<(i32, u8, i64)> = prov
        .quarters
        .iter()
        .map(|q| (q.year, q.quarter, q.revision_id))
        .collect();
    assert_eq!(ids, [(2024, 1, 101), (2024, 2, 102)]);
    assert_eq!(prov.indicator_contributions.len(), 9);
    assert_eq!(
        prov.thresholds_applied[0],
        "annual 86.40 × 35% = 30.24 of 35.00"
    );
}

#[test]
fn hohhot_second_assessment_below_threshold_only() {
    let s = WeightingScheme::hohhot();
    assert_eq!(second_assessment(&weigh(&s, 8_640, 7_900)), Some(true));
    assert_eq!(second_assessment(&weigh(&s, 8_640, 7_999)), Some(true));
    assert_eq!(second_assessment(&weigh(&s, 8_640, 8_000)), Some(false));
    let c = weigh(&s, 8_640, 7_900);
    assert_eq!(
        c.provenance.thresholds_applied[1],
        "二次考核 when satisfaction < 80.00%: 79.00% → flagged"
    );
}

#[test]
fn qingyang_window_points_with_zero_below_50() {
    let s = WeightingScheme::qingyang();
    assert_eq!(weigh(&s, 4_999, 0).contribution, Points::ZERO);
    assert_eq!(weigh(&s, 5_000, 0).contribution, p(500));
    assert_eq!(weigh(&s, 8_750, 0).contribution, p(875));
    assert_eq!(weigh(&s, 10_000, 0).contribution, p(1_000));
    assert_eq!(weigh(&s, 8_750, 0).out_of, p(1_000));
    assert!(matches!(
        weigh(&s, 4_999, 0).detail,
        CadreDetail::Qingyang { zeroed: true, .. }
    ));
    assert!(matches!(
        weigh(&s, 5_000, 0).detail,
        CadreDetail::Qingyang { zeroed: false, .. }
    ));
}

#[test]
fn qingyang_party_conduct_and_rule_of_law() {
    // integrity mean 4.00 / 5 → 5 × 0.8 = 4.00; standardisation 13.50 / 15 → 2 × 0.9 = 1.80
    let c = weigh(&WeightingScheme::qingyang(), 8_616, 8_640);
    assert_eq!(
        c.detail,
        CadreDetail::Qingyang {
            zeroed: false,
            party_conduct: p(400),
            party_conduct_max: p(500),
            rule_of_law: p(180),
            rule_of_law_max: p(200),
        }
    );
    let mut a = annual_with(8_616);
    a.categories.retain(|c| c.key != "integrity");
    assert_eq!(
        weigh_department(&WeightingScheme::qingyang(), &a, Some(pct(8_000))).err(),
        Some(ScoringError::MissingCategory {
            key: "integrity".to_string()
        })
    );
}

#[test]
fn qingyang_staff_is_70_daily_30_review() {
    let s = WeightingScheme::qingyang();
    // 0.7 × 90 + 0.3 × 80 = 87.00
    let staff = weigh_staff(&s, p(9_000), p(8_000));
    assert_eq!(staff.as_ref().map(|x| x.score), Ok(p(8_700)));
    assert_eq!(
        staff.map(|x| x.provenance.thresholds_applied),
        Ok(vec![
            "70% × daily 90.00 + 30% × review 80.00 = 87.00".to_string()
        ])
    );
    // 0.7 × 85.55 + 0.3 × 70.01 = 59.885 + 21.003 = 80.888 → 80.89
    assert_eq!(
        weigh_staff(&s, p(8_555), p(7_001)).map(|x| x.score),
        Ok(p(8_089))
    );
    assert_eq!(
        weigh_staff(&WeightingScheme::hohhot(), p(9_000), p(8_000)).err(),
        Some(ScoringError::StaffNotWeighted {
            scheme_key: "hohhot".to_string()
        })
    );
    assert!(matches!(
        weigh_staff(&s, p(10_001), p(8_000)),
        Err(ScoringError::ScoreOutOfRange { .. })
    ));
}

#[test]
fn scheme_validation_errors() {
    let mut s = WeightingScheme::qingyang();
    if let SchemeKind::Qingyang { review_share, .. } = &mut s.kind {
        *review_share = 40;
    }
    assert_eq!(
        s.validate(),
        Err(SchemeError::SharesDoNotSum {
            daily: 70,
            review: 40
        })
    );
    let mut s = WeightingScheme::hohhot();
    s.kind = SchemeKind::Hohhot {
        share_percent: 120,
        second_assessment_threshold: pct(8_000),
    };
    assert!(matches!(
        s.validate(),
        Err(SchemeError::ShareOutOfRange { share: 120, .. })
    ));
    s.kind = SchemeKind::Hohhot {
        share_percent: 35,
        second_assessment_threshold: pct(10_001),
    };
    assert!(matches!(
        s.validate(),
        Err(SchemeError::ThresholdOutOfRange { .. })
    ));
    let mut s = WeightingScheme::hohhot();
    s.key.clear();
    assert_eq!(s.validate(), Err(SchemeError::EmptyKey));
    assert_eq!(
        weigh_department(&s, &annual_with(8_000), Some(pct(8_000))).err(),
        Some(ScoringError::InvalidScheme(SchemeError::EmptyKey))
    );
}

#[test]
fn no_satisfaction_answer_is_not_read_as_100_percent() {
    let c = weigh_department(&WeightingScheme::hohhot(), &annual_with(9_000), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        c.detail,
        CadreDetail::Hohhot {
            satisfaction: None,
            second_assessment: false,
            ..
        }
    ));
    assert!(
        c.provenance
            .thresholds_applied
            .iter()
            .any(|n| n.contains("no satisfaction answer")),
        "{:?}",
        c.provenance.thresholds_applied
    );
}
