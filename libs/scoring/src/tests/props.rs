use proptest::prelude::*;

use super::*;

fn arb_four() -> impl Strategy<Value = FourLevelCounts> {
    (0..50u64, 0..50u64, 0..50u64, 0..50u64).prop_map(|(a, b, c, d)| four(a, b, c, d))
}

fn arb_inputs() -> impl Strategy<Value = QuarterInputs> {
    let counts = (
        (0..1_000u64, 0..=100u32),
        (0..1_000u64, 0..=100u32, 0..=100u32),
        (0..1_000u64, 0..=100u32),
        0..20_000u64,
    );
    let sat = (arb_four(), arb_four(), arb_four(), 0..50u64);
    let manual_pct = proptest::collection::vec(0..=100i64, 4);
    let adj = proptest::collection::vec(1..=2_000i64, 0..4);
    (counts, sat, manual_pct, adj.clone(), adj).prop_map(
        |(
            ((should, cov), (fin, on, early), (total, dx), volume),
            (on4, hc, cb, extra),
            m,
            b,
            d,
        )| {
            let frac = |n: u64, pct: u32| n * u64::from(pct) / 100;
            let on_time = frac(fin, on);
            let maxima = [1_500, 1_000, 1_000, 500];
            let keys = ["standardisation", "openness", "quality", "integrity"];
            QuarterInputs {
                period: QuarterId {
                    year: 2024,
                    quarter: 2,
                    revision_id: 1,
                },
                coverage: CoverageInput {
                    should,
                    are: frac(should, cov),
                },
                efficiency: EfficiencyInput {
                    finished: fin,
                    on_time,
                    early: frac(on_time, early),
                },
                data_exchange: DataExchangeInput {
                    reported_in_time: frac(total, dx),
                    total,
                },
                satisfaction: SatisfactionInputs {
                    // at least one answer so the rule always has data
                    onsite: FourLevelCounts {
                        average: on4.average + 1,
                        ..on4
                    },
                    haocha: HaochaCounts {
                        very_satisfied: hc.very_satisfied,
                        satisfied: hc.satisfied,
                        basically_satisfied: hc.average,
                        dissatisfied: hc.dissatisfied,
                        very_dissatisfied: extra,
                    },
                    callbacks: cb,
                },
                case_volume: volume,
                manual: keys
                    .iter()
                    .zip(maxima)
                    .zip(m)
                    .map(|((k, max), pct)| manual(k, max * pct / 100))
                    .collect(),
                bonuses: b.into_iter().map(|c| line("bonus", c)).collect(),
                deductions: d.into_iter().map(|c| line("deduction", c)).collect(),
                ..QuarterInputs::default()
            }
        },
    )
}

proptest! {
    #[test]
    fn quarter_total_is_always_within_0_and_100(
        inputs in arb_inputs(),
        bonus_cap in 0..=5_000i64,
        deduction_cap in 0..=20_000i64,
    ) {
        let mut system = IndicatorSystem::fenghua_default();
        system.bonus_cap = p(bonus_cap);
        system.deduction_cap = p(deduction_cap);
        let s = score_quarter(&system, &inputs);
        prop_assert!(s.is_ok(), "{:?}", s);
        if let Ok(s) = s {
            prop_assert!(s.total >= Points::ZERO && s.total <= Points::HUNDRED);
            prop_assert!(s.base <= Points::HUNDRED);
            prop_assert!(s.bonus_applied <= system.bonus_cap);
            prop_assert!(s.deduction_applied <= system.deduction_cap);
            prop_assert_eq!(s.grade, Grade::of(s.total));
            for c in &s.categories {
                prop_assert!(c.points >= Points::ZERO && c.points <= c.effective_max);
            }
            // Redistribution moves maxima, never creates them: with any rate indicator
            // applicable, the effective maxima still add up to exactly 100.00.
            let eff: Points = s.categories.iter().map(|c| c.effective_max).sum();
            if s.categories.iter().any(|c| c.applicable && matches!(c.source, CategorySource::Computed(k) if k != ComputedKind::Volume)) {
                prop_assert_eq!(eff, Points::HUNDRED);
            } else {
                prop_assert!(eff <= Points::HUNDRED);
            }
        }
    }

    #[test]
    fn grade_is_monotonic_in_score(a in -1_000..=11_000i64, b in -1_000..=11_000i64) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(Grade::of(p(lo)) <= Grade::of(p(hi)));
    }

    #[test]
    fn annual_lies_between_min_and_max_quarter(
        totals in proptest::collection::vec(0..=10_000i64, 1..=4)
    ) {
        let qs: Vec<QuarterScore> = totals
            .iter()
            .zip(1u8..)
            .map(|(t, q)| quarter_with_total(q, *t))
            .collect();
        let a = annual(&qs);
        prop_assert!(a.is_ok());
        if let Ok(a) = a {
            let min = totals.iter().copied().min().unwrap_or(0);
            let max = totals.iter().copied().max().unwrap_or(0);
            prop_assert!(a.score >= p(min) && a.score <= p(max), "{:?} {:?}", totals, a.score);
            prop_assert_eq!(a.quarters.len(), totals.len());
        }
    }
}
