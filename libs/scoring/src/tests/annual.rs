use super::*;

#[test]
fn annual_is_the_mean_of_quarters_present() {
    // Q3, Q1, Q2 given out of order: (90 + 80 + 70) / 3 = 80.00
    let qs = [
        quarter_with_total(3, 7_000),
        quarter_with_total(1, 9_000),
        quarter_with_total(2, 8_000),
    ];
    let a = match annual(&qs) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(a.score, p(8_000));
    assert_eq!(a.grade, Grade::Good);
    assert_eq!(a.year, 2024);
    let used: Vec<(u8, i64, i64)> = a
        .quarters
        .iter()
        .map(|q| (q.period.quarter, q.period.revision_id, q.total.centi()))
        .collect();
    assert_eq!(used, [(1, 101, 9_000), (2, 102, 8_000), (3, 103, 7_000)]);
    // every quarter is the worked one, so category means equal its points
    assert_eq!(
        a.category("satisfaction").map(|c| c.mean_points),
        Some(p(1_350))
    );
    assert_eq!(a.category("integrity").map(|c| c.mean_points), Some(p(400)));
    assert_eq!(a.satisfaction, Some(Percent::from_centi(9_000)));
}

#[test]
fn annual_mean_rounds_half_up_once() {
    // (90.00 + 80.01) / 2 = 85.005 → 85.01
    let qs = [quarter_with_total(1, 9_000), quarter_with_total(4, 8_001)];
    assert_eq!(annual(&qs).map(|a| a.score), Ok(p(8_501)));
    // (59.99 + 60.00) / 2 = 59.995 → 60.00, 合格
    let qs = [quarter_with_total(1, 5_999), quarter_with_total(2, 6_000)];
    assert_eq!(annual(&qs).map(|a| a.grade), Ok(Grade::Pass));
}

#[test]
fn annual_rejects_bad_sets() {
    assert_eq!(annual(&[]), Err(ScoringError::NoQuarters));

    let qs = [quarter_with_total(1, 9_000), quarter_with_total(1, 8_000)];
    assert_eq!(
        annual(&qs),
        Err(ScoringError::DuplicateQuarter {
            year: 2024,
            quarter: 1
        })
    );

    let mut other_year = quarter_with_total(2, 8_000);
    other_year.period.year = 2023;
    let qs = [quarter_with_total(1, 9_000), other_year];
    assert_eq!(
        annual(&qs),
        Err(ScoringError::MixedYears {
            first: 2024,
            other: 2023
        })
    );

    let mut other_system = quarter_with_total(2, 8_000);
    other_system.system_id = "other".to_string();
    let qs = [quarter_with_total(1, 9_000), other_system];
    assert!(matches!(
        annual(&qs),
        Err(ScoringError::MixedSystems { .. })
    ));
}
