//! Property tests over starts in 2025-01-01 ..= 2026-11-30 and limits 1..=30.
//!
//! Results may reach early 2027 (30 working days after late November 2026), so
//! the properties use the built-in tables with the weekends-only fallback;
//! `strict_and_lenient_agree` checks that this changes nothing inside the
//! covered years.

mod common;

use calendar::{LimitUnit, PauseReason, StatutoryClock, WarnRule};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use common::{cal, d, lenient};
use proptest::prelude::*;

/// 2025-01-01 + 698 days = 2026-11-30.
fn start_day() -> impl Strategy<Value = NaiveDate> {
    (0u64..=698).prop_map(|k| d(2025, 1, 1) + chrono::Days::new(k))
}

/// A moment on a start day, any time of the local day.
fn start_moment() -> impl Strategy<Value = DateTime<Utc>> {
    (start_day(), 0i64..86_400).prop_map(|(day, s)| {
        common::bj(day.year(), day.month(), day.day(), 0, 0) + TimeDelta::seconds(s)
    })
}

/// Up to 3 ordered pauses: (gap before, length) in minutes.
fn pause_plan() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((0i64..6000, 0i64..6000), 0..=3)
}

fn with_pauses(mut clock: StatutoryClock, plan: &[(i64, i64)]) -> StatutoryClock {
    let mut cursor = clock.started_at();
    for &(gap, len) in plan {
        let from = cursor + TimeDelta::minutes(gap);
        let to = from + TimeDelta::minutes(len);
        clock.pause(from, PauseReason::Supplement).unwrap();
        clock.resume(to).unwrap();
        cursor = to;
    }
    clock
}

/// Local midnight ending the local date of `t`.
fn end_of_acceptance_date(t: DateTime<Utc>) -> DateTime<Utc> {
    let day = calendar::local_date(t);
    common::bj(day.year(), day.month(), day.day(), 0, 0) + TimeDelta::days(1)
}

proptest! {
    #[test]
    fn add_then_count_round_trips(day in start_day(), n in 1u32..=30) {
        let c = lenient();
        let end = c.add_working_days(day, n).unwrap();
        prop_assert_eq!(c.working_days_between(day, end).unwrap(), n);
        prop_assert!(c.is_working_day(end).unwrap());
    }

    #[test]
    fn count_matches_day_by_day_walk(day in start_day(), k in 0u64..90) {
        let c = lenient();
        let to = day + chrono::Days::new(k);
        let walk = day.iter_days().skip(1).take_while(|x| *x <= to)
            .filter(|x| c.is_working_day(*x).unwrap()).count() as u32;
        prop_assert_eq!(c.working_days_between(day, to).unwrap(), walk);
    }

    #[test]
    fn add_is_strictly_monotonic(day in start_day(), n in 0u32..30) {
        let c = lenient();
        let (a, b) = (c.add_working_days(day, n).unwrap(), c.add_working_days(day, n + 1).unwrap());
        // n = 0 is `day` itself when working, else the same day as n = 1.
        if n >= 1 || c.is_working_day(day).unwrap() {
            prop_assert!(a < b);
        } else {
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn deadline_is_monotonic(t in start_moment(), n in 0u32..30) {
        let c = lenient();
        let (a, b) = (c.deadline(t, n).unwrap(), c.deadline(t, n + 1).unwrap());
        prop_assert!(a <= b);
        if n >= 1 {
            prop_assert!(a < b);
        }
        prop_assert!(a > t);
    }

    #[test]
    fn strict_and_lenient_agree(t in start_moment(), n in 0u32..=30) {
        let strict = cal();
        if let Ok(due) = strict.deadline(t, n) {
            prop_assert_eq!(due, lenient().deadline(t, n).unwrap());
        } else {
            // Only possible when the answer lies in 2027.
            prop_assert!(t > common::bj(2026, 11, 1, 0, 0));
        }
    }

    #[test]
    fn due_without_pauses_is_the_deadline(t in start_moment(), n in 0u32..=30, e in 0u32..=30) {
        let c = lenient();
        let clock = StatutoryClock::start(t, n, LimitUnit::WorkingDays, WarnRule::default());
        prop_assert_eq!(clock.due_at(&c).unwrap().unwrap(), c.deadline(t, n).unwrap());
        // An extension of e days: still the deadline, of n + e days.
        let mut extended = clock.clone();
        if e > 0 {
            extended.extend(e).unwrap();
        }
        prop_assert_eq!(extended.due_at(&c).unwrap().unwrap(), c.deadline(t, n + e).unwrap());
        // From one day on the budget is that many full working days, none of
        // it used on the acceptance day.
        if n + e >= 1 {
            let day = c.hours().seconds_per_day();
            for now in [t, end_of_acceptance_date(t) - TimeDelta::seconds(1)] {
                let s = extended.status(&c, now).unwrap();
                prop_assert_eq!(s.elapsed_working_seconds, 0);
                prop_assert_eq!(s.remaining_working_seconds, i64::from(n + e) * day);
            }
        }
    }

    #[test]
    fn pause_within_the_acceptance_day_changes_nothing(
        t in start_moment(),
        n in 1u32..=30,
        natural in any::<bool>(),
        cuts in prop::collection::vec(0i64..=86_400, 4),
    ) {
        let c = lenient();
        let unit = if natural { LimitUnit::NaturalDays } else { LimitUnit::WorkingDays };
        let plain = StatutoryClock::start(t, n, unit, WarnRule::default());
        let midnight = end_of_acceptance_date(t);
        let rest = (midnight - t).num_seconds();
        let mut cuts: Vec<i64> = cuts.iter().map(|x| x % (rest + 1)).collect();
        cuts.sort_unstable();
        // Two pauses [c0, c1) and [c2, c3), both inside [t, midnight].
        let mut clock = plain.clone();
        for pair in cuts.chunks(2) {
            let (from, to) = (t + TimeDelta::seconds(pair[0]), t + TimeDelta::seconds(pair[1]));
            clock.pause(from, PauseReason::Supplement).unwrap();
            clock.resume(to).unwrap();
        }
        prop_assert_eq!(clock.due_at(&c).unwrap(), plain.due_at(&c).unwrap());
        prop_assert_eq!(clock.warn_at(&c).unwrap(), plain.warn_at(&c).unwrap());
        if !natural {
            prop_assert_eq!(clock.due_at(&c).unwrap().unwrap(), c.deadline(t, n).unwrap());
        }
        let later = midnight + TimeDelta::days(3);
        prop_assert_eq!(clock.status(&c, later).unwrap(), plain.status(&c, later).unwrap());
    }

    #[test]
    fn pauses_never_make_due_earlier(t in start_moment(), n in 0u32..=30, plan in pause_plan()) {
        let c = lenient();
        let plain = StatutoryClock::start(t, n, LimitUnit::WorkingDays, WarnRule::default());
        let mut previous = plain.due_at(&c).unwrap().unwrap();
        for k in 1..=plan.len() {
            let due = with_pauses(plain.clone(), &plan[..k]).due_at(&c).unwrap().unwrap();
            prop_assert!(due >= previous, "{k} pauses: {due} < {previous}");
            previous = due;
        }
    }

    #[test]
    fn at_due_the_budget_is_exactly_used(t in start_moment(), n in 0u32..=30, plan in pause_plan()) {
        let c = lenient();
        let clock = with_pauses(StatutoryClock::start(t, n, LimitUnit::WorkingDays, WarnRule::default()), &plan);
        let due = clock.due_at(&c).unwrap().unwrap();
        let s = clock.status(&c, due).unwrap();
        prop_assert_eq!(s.remaining_working_seconds, 0);
        prop_assert!(!s.overdue);
        let before = clock.status(&c, due - TimeDelta::seconds(1)).unwrap();
        prop_assert_eq!(before.remaining_working_seconds, 1);
        let warn = clock.warn_at(&c).unwrap().unwrap();
        prop_assert!(warn <= due);
    }

    #[test]
    fn extensions_never_make_due_earlier(t in start_moment(), n in 0u32..=30, e in 1u32..=30, plan in pause_plan()) {
        let c = lenient();
        let clock = with_pauses(StatutoryClock::start(t, n, LimitUnit::WorkingDays, WarnRule::default()), &plan);
        let mut extended = clock.clone();
        extended.extend(e).unwrap();
        let (before, after) = (clock.due_at(&c).unwrap(), extended.due_at(&c).unwrap());
        prop_assert!(after >= before);
        // n = 0 accepted off hours already runs to the next working day's close,
        // which is also day 1 (and an extended n = 0 item counts from the
        // acceptance day's close, as any other); from n = 1 on every extra day
        // is a later close.
        if n >= 1 {
            prop_assert!(after > before);
        }
    }

    #[test]
    fn advance_and_count_round_trip(t in start_moment(), secs in 0i64..=30 * 8 * 3600) {
        let c = lenient();
        let m = c.advance_working_seconds(t, secs).unwrap();
        prop_assert!(m >= t);
        prop_assert_eq!(c.working_seconds_between(t, m).unwrap(), secs);
        if secs > 0 {
            // Earliest: one second earlier, one working second is missing.
            prop_assert_eq!(c.working_seconds_between(t, m - TimeDelta::seconds(1)).unwrap(), secs - 1);
        }
    }

    #[test]
    fn count_then_advance_never_overshoots(t in start_moment(), span in 0i64..=40 * 86_400) {
        let c = lenient();
        let m = t + TimeDelta::seconds(span);
        let secs = c.working_seconds_between(t, m).unwrap();
        let back = c.advance_working_seconds(t, secs).unwrap();
        prop_assert!(back <= m);
        prop_assert_eq!(c.working_seconds_between(t, back).unwrap(), secs);
    }
}
