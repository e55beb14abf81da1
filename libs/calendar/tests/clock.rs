//! StatutoryClock: pauses, extensions, warnings, status.

mod common;

use calendar::{CalendarError, ClockProblem, LimitUnit, PauseReason, StatutoryClock, WarnRule};
use chrono::{DateTime, Utc};
use common::{bj, cal, HOUR};

const WD: LimitUnit = LimitUnit::WorkingDays;

/// Mon 2026-03-02 10:00, 5 working days: 3/3..3/6 = 1..4, Mon 3/9 = 5.
/// Counted from the acceptance day's close, 3/2 17:00; budget 5 x 8 h = 40 h.
fn march(limit: u32, warn: WarnRule) -> StatutoryClock {
    StatutoryClock::start(bj(2026, 3, 2, 10, 0), limit, WD, warn)
}

fn due(c: &StatutoryClock) -> DateTime<Utc> {
    c.due_at(&cal()).unwrap().unwrap()
}

fn paused(mut c: StatutoryClock, from: DateTime<Utc>, to: DateTime<Utc>) -> StatutoryClock {
    c.pause(from, PauseReason::Supplement).unwrap();
    c.resume(to).unwrap();
    c
}

#[test]
fn without_pauses_due_is_the_deadline() {
    let c = march(5, WarnRule::default());
    assert_eq!(due(&c), bj(2026, 3, 9, 17, 0));
    assert_eq!(due(&c), cal().deadline(c.started_at(), 5).unwrap());
}

/// Mon 2026-03-09 10:00, 5 working days: Mon 3/9 is the acceptance day (not
/// counted), Tue 3/10 = 1, Wed 3/11 = 2, Thu 3/12 = 3, Fri 3/13 = 4,
/// Mon 3/16 = 5 -> due Mon 3/16 17:00. Budget 40 h from 3/9 17:00.
fn accepted_ninth() -> StatutoryClock {
    StatutoryClock::start(bj(2026, 3, 9, 10, 0), 5, WD, WarnRule::default())
}

#[test]
fn pause_on_the_acceptance_day_moves_nothing() {
    let cal = cal();
    let plain = accepted_ninth();
    assert_eq!(due(&plain), bj(2026, 3, 16, 17, 0));
    assert_eq!(due(&plain), cal.deadline(plain.started_at(), 5).unwrap());
    // Paused 10:00-16:00 on the acceptance day: the due moment stays the
    // deadline (it used to move 6 working hours later, to Tue 3/17 15:00).
    let c = paused(plain.clone(), bj(2026, 3, 9, 10, 0), bj(2026, 3, 9, 16, 0));
    assert_eq!(due(&c), bj(2026, 3, 16, 17, 0));
    assert_eq!(due(&c), cal.deadline(c.started_at(), 5).unwrap());
    assert_eq!(c.warn_at(&cal).unwrap(), plain.warn_at(&cal).unwrap());
    // Nothing is consumed on the acceptance day, paused or not.
    for clock in [&plain, &c] {
        let s = clock.status(&cal, bj(2026, 3, 9, 16, 30)).unwrap();
        assert_eq!(s.elapsed_working_seconds, 0);
        assert_eq!(s.remaining_working_seconds, 40 * HOUR);
    }
    // Up to the close, or past it into the evening: still nothing.
    let c = paused(plain.clone(), bj(2026, 3, 9, 10, 0), bj(2026, 3, 9, 20, 0));
    assert_eq!(due(&c), bj(2026, 3, 16, 17, 0));
    // Still paused: no due moment while the clock is stopped.
    let mut open = plain.clone();
    open.pause(bj(2026, 3, 9, 11, 0), PauseReason::Supplement)
        .unwrap();
    assert_eq!(open.due_at(&cal).unwrap(), None);
    assert_eq!(open.warn_at(&cal).unwrap(), None);
}

#[test]
fn pause_from_the_acceptance_day_into_day_two() {
    let cal = cal();
    // Paused Mon 3/9 10:00 .. Wed 3/11 13:00. Only the part after the
    // acceptance day counts: Tue 3/10 09:00-17:00 (8 h, all of day 1) +
    // Wed 3/11 09:00-13:00 (4 h) = 12 working hours.
    let c = paused(
        accepted_ninth(),
        bj(2026, 3, 9, 10, 0),
        bj(2026, 3, 11, 13, 0),
    );
    // Mon 3/16 17:00 + 12 working hours: Tue 3/17 09:00-17:00 (8 h),
    // Wed 3/18 09:00-13:00 (4 h).
    assert_eq!(due(&c), bj(2026, 3, 18, 13, 0));
    let shift = cal
        .working_seconds_between(bj(2026, 3, 16, 17, 0), due(&c))
        .unwrap();
    assert_eq!(shift, 12 * HOUR);
    // Wed 3/11 15:00: 2 h used (13:00-15:00), 38 h left.
    let s = c.status(&cal, bj(2026, 3, 11, 15, 0)).unwrap();
    assert_eq!(s.elapsed_working_seconds, 2 * HOUR);
    assert_eq!(s.remaining_working_seconds, 38 * HOUR);
    // One working hour after the due moment.
    let s = c.status(&cal, bj(2026, 3, 18, 14, 0)).unwrap();
    assert!(s.overdue);
    assert_eq!(s.remaining_working_seconds, -HOUR);
    assert_eq!(s.overdue_working_days, 0);
}

#[test]
fn pause_over_a_weekend_moves_nothing() {
    let c = paused(
        march(5, WarnRule::default()),
        bj(2026, 3, 6, 17, 30),
        bj(2026, 3, 9, 8, 0),
    );
    assert_eq!(due(&c), bj(2026, 3, 9, 17, 0));
}

#[test]
fn pause_of_two_working_hours_moves_due_by_two_working_hours() {
    let c = paused(
        march(5, WarnRule::default()),
        bj(2026, 3, 3, 10, 0),
        bj(2026, 3, 3, 12, 0),
    );
    // 3/9 17:00 + 2 working hours = Tue 3/10 11:00.
    assert_eq!(due(&c), bj(2026, 3, 10, 11, 0));
    // Same 2 working hours split over an evening: 3/3 16:00 -> 3/4 10:00.
    let c = paused(
        march(5, WarnRule::default()),
        bj(2026, 3, 3, 16, 0),
        bj(2026, 3, 4, 10, 0),
    );
    assert_eq!(due(&c), bj(2026, 3, 10, 11, 0));
}

#[test]
fn pause_starting_and_ending_on_a_holiday_moves_nothing() {
    // Tue 2026-09-29 15:00, 5 working days -> Mon 10/12 17:00 (see calendar tests).
    let start = StatutoryClock::start(bj(2026, 9, 29, 15, 0), 5, WD, WarnRule::default());
    assert_eq!(due(&start), bj(2026, 10, 12, 17, 0));
    // Paused during "office hours" of National Day holidays 10/2 .. 10/5.
    let c = paused(start, bj(2026, 10, 2, 10, 0), bj(2026, 10, 5, 15, 0));
    assert_eq!(due(&c), bj(2026, 10, 12, 17, 0));
}

#[test]
fn pause_spanning_the_year_end() {
    // Mon 2025-12-29 10:00, 5 WD -> 2026-01-06 17:00; budget 5 x 8 = 40 h from 12/29 17:00.
    let start = StatutoryClock::start(bj(2025, 12, 29, 10, 0), 5, WD, WarnRule::default());
    assert_eq!(due(&start), bj(2026, 1, 6, 17, 0));
    // Paused 12/31 10:00 -> 1/5 10:00 covers 7 h (12/31) + 8 h (Sun 1/4, make-up)
    // + 1 h (1/5) = 16 working hours = 2 working days: due Thu 2026-01-08 17:00.
    let c = paused(start, bj(2025, 12, 31, 10, 0), bj(2026, 1, 5, 10, 0));
    assert_eq!(due(&c), bj(2026, 1, 8, 17, 0));
}

#[test]
fn limit_zero_same_day_item() {
    let c = march(0, WarnRule::default());
    assert_eq!(due(&c), bj(2026, 3, 2, 17, 0));
    let late = StatutoryClock::start(bj(2026, 3, 2, 18, 0), 0, WD, WarnRule::default());
    assert_eq!(due(&late), bj(2026, 3, 3, 17, 0));
    // 7 h budget; paused 11:00-13:00: 5 h used by 17:00, 2 h more -> 3/3 11:00.
    let c = paused(
        march(0, WarnRule::default()),
        bj(2026, 3, 2, 11, 0),
        bj(2026, 3, 2, 13, 0),
    );
    assert_eq!(due(&c), bj(2026, 3, 3, 11, 0));
}

#[test]
fn extension_of_three_days() {
    let mut c = march(5, WarnRule::default());
    c.extend(3).unwrap();
    assert_eq!(c.limit_days(), 8);
    assert_eq!(c.base_limit_days(), 5);
    assert_eq!(c.extensions(), &[3]);
    // 3/3..3/6 = 1..4, 3/9..3/12 = 5..8.
    assert_eq!(due(&c), bj(2026, 3, 12, 17, 0));
    assert_eq!(due(&c), cal().deadline(c.started_at(), 8).unwrap());
    // The extension adds 3 full working days to the 40 h budget.
    let s = c.status(&cal(), c.started_at()).unwrap();
    assert_eq!(s.remaining_working_seconds, 8 * 8 * HOUR);
    let err = c.extend(0).unwrap_err();
    assert!(
        matches!(err, CalendarError::InvalidLimit { value: 0, .. }),
        "{err}"
    );
    assert!(c.extend(3643).is_err());
    assert_eq!(c.limit_days(), 8);
    c.extend(3642).unwrap();
    assert_eq!(c.limit_days(), 3650);
}

#[test]
fn extending_a_same_day_item() {
    // 即办件 accepted Mon 3/2 10:00 and extended by 2 days: a 2-day limit,
    // counted like any other from 3/2 17:00 (16 h), due Wed 3/4 17:00.
    let mut c = march(0, WarnRule::default());
    c.extend(2).unwrap();
    assert_eq!(due(&c), bj(2026, 3, 4, 17, 0));
    assert_eq!(due(&c), cal().deadline(c.started_at(), 2).unwrap());
    let s = c.status(&cal(), bj(2026, 3, 2, 16, 0)).unwrap();
    assert_eq!(s.elapsed_working_seconds, 0);
    assert_eq!(s.remaining_working_seconds, 16 * HOUR);
    // So a pause on the acceptance day no longer moves it (unlike the
    // unextended item in `limit_zero_same_day_item`).
    let c = paused(c, bj(2026, 3, 2, 11, 0), bj(2026, 3, 2, 13, 0));
    assert_eq!(due(&c), bj(2026, 3, 4, 17, 0));
}

#[test]
fn status_overdue_by_working_days() {
    let cal = cal();
    let c = march(5, WarnRule::default());
    // Before due.
    let s = c.status(&cal, bj(2026, 3, 9, 16, 0)).unwrap();
    assert!(!s.overdue);
    assert_eq!(s.remaining_working_seconds, HOUR);
    // 4 x 8 h (3/3..3/6) + 7 h (3/9); the acceptance day 3/2 counts nothing.
    assert_eq!(s.elapsed_working_seconds, 39 * HOUR);
    // Exactly at due: not yet overdue.
    let s = c.status(&cal, bj(2026, 3, 9, 17, 0)).unwrap();
    assert!(!s.overdue);
    assert_eq!(s.remaining_working_seconds, 0);
    // Evening of the last day: overdue by wall clock, 0 whole days.
    let s = c.status(&cal, bj(2026, 3, 9, 18, 0)).unwrap();
    assert!(s.overdue);
    assert_eq!(s.overdue_working_days, 0);
    assert_eq!(s.remaining_working_seconds, 0);
    // Thu 3/12 10:00: 3/10, 3/11, 3/12 -> 3 working days; 8 + 8 + 1 = 17 h over.
    let s = c.status(&cal, bj(2026, 3, 12, 10, 0)).unwrap();
    assert!(s.overdue);
    assert_eq!(s.overdue_working_days, 3);
    assert_eq!(s.remaining_working_seconds, -17 * HOUR);
    assert_eq!(s.elapsed_working_seconds, (40 + 17) * HOUR);
    assert_eq!(s.due_at, Some(bj(2026, 3, 9, 17, 0)));
    assert!(!s.paused);
}

#[test]
fn status_while_paused() {
    let cal = cal();
    let mut c = march(5, WarnRule::default());
    c.pause(bj(2026, 3, 3, 10, 0), PauseReason::Hearing)
        .unwrap();
    assert!(c.is_paused());
    assert_eq!(c.due_at(&cal).unwrap(), None);
    assert_eq!(c.warn_at(&cal).unwrap(), None);
    let s = c.status(&cal, bj(2026, 3, 20, 10, 0)).unwrap();
    assert!(s.paused);
    assert!(!s.overdue);
    assert_eq!(s.due_at, None);
    // 1 h on 3/3 before the pause (the acceptance day 3/2 is not counted).
    assert_eq!(s.elapsed_working_seconds, HOUR);
    assert_eq!(s.remaining_working_seconds, 39 * HOUR);
    c.resume(bj(2026, 3, 4, 10, 0)).unwrap();
    assert_eq!(c.pauses().len(), 1);
    assert_eq!(c.pauses()[0].reason, PauseReason::Hearing);
    // 8 working hours paused: due one working day later, Tue 3/10 17:00.
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 10, 17, 0)));
}

#[test]
fn pause_after_the_due_moment_does_not_hide_it() {
    let cal = cal();
    let mut c = march(5, WarnRule::default());
    c.pause(bj(2026, 3, 11, 10, 0), PauseReason::Other).unwrap();
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 9, 17, 0)));
    let s = c.status(&cal, bj(2026, 3, 12, 10, 0)).unwrap();
    assert!(s.overdue && s.paused);
    assert_eq!(s.overdue_working_days, 3);
    // Consumed until the pause: 40 h + 8 h (3/10) + 1 h (3/11).
    assert_eq!(s.remaining_working_seconds, -9 * HOUR);
}

#[test]
fn refused_state_changes() {
    let mut c = march(5, WarnRule::default());
    let at = bj(2026, 3, 3, 10, 0);
    let problem = |e: CalendarError| match e {
        CalendarError::ClockState { problem, .. } => problem,
        other => panic!("unexpected {other}"),
    };
    assert_eq!(problem(c.resume(at).unwrap_err()), ClockProblem::NotPaused);
    assert_eq!(
        problem(
            c.pause(bj(2026, 3, 2, 9, 0), PauseReason::Testing)
                .unwrap_err()
        ),
        ClockProblem::BeforeStart
    );
    c.pause(at, PauseReason::Supplement).unwrap();
    assert_eq!(
        problem(c.pause(at, PauseReason::Supplement).unwrap_err()),
        ClockProblem::AlreadyPaused
    );
    assert_eq!(
        problem(c.resume(bj(2026, 3, 3, 9, 0)).unwrap_err()),
        ClockProblem::BeforePauseStart
    );
    c.resume(bj(2026, 3, 4, 10, 0)).unwrap();
    assert_eq!(
        problem(c.resume(bj(2026, 3, 5, 10, 0)).unwrap_err()),
        ClockProblem::NotPaused
    );
    assert_eq!(
        problem(
            c.pause(bj(2026, 3, 4, 9, 0), PauseReason::Other)
                .unwrap_err()
        ),
        ClockProblem::BeforeLastPause
    );
    let err = c.resume(at).unwrap_err();
    assert_eq!(err.date(), None);
    assert!(err.to_string().contains("not paused"), "{err}");
}

#[test]
fn warn_at_two_thirds() {
    // Budget 40 h from 3/2 17:00; 2/3 = 26 h 40 min: 8 + 8 + 8 = 24 h by
    // 3/5 17:00, the last 2 h 40 min on Fri 3/6: 11:40.
    let c = march(5, WarnRule::Fraction { num: 2, den: 3 });
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 6, 11, 40)));
    // The time of acceptance on 3/2 does not matter: before opening, after
    // hours, or at the close itself, the same 40 h are counted from 3/2 17:00.
    for (h, m) in [(8, 0), (16, 59), (17, 0), (21, 30)] {
        let other = StatutoryClock::start(bj(2026, 3, 2, h, m), 5, WD, WarnRule::default());
        assert_eq!(other.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 6, 11, 40)));
    }
    // Three quarters of 40 h = 30 h: 3 days to 3/5 17:00, 6 h on 3/6: 15:00.
    let c = march(5, WarnRule::Fraction { num: 3, den: 4 });
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 6, 15, 0)));
    let bad = march(5, WarnRule::Fraction { num: 1, den: 0 });
    assert!(matches!(
        bad.warn_at(&cal()).unwrap_err(),
        CalendarError::InvalidLimit { .. }
    ));
    let bad = march(5, WarnRule::Fraction { num: 4, den: 3 });
    assert!(bad.warn_at(&cal()).is_err());
}

#[test]
fn warn_at_days_before() {
    // One working day before 3/9 17:00 is the deadline with 4 days: Fri 3/6 17:00.
    let c = march(5, WarnRule::DaysBefore(1));
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 6, 17, 0)));
    assert_eq!(
        c.warn_at(&cal()).unwrap(),
        Some(cal().deadline(c.started_at(), 4).unwrap())
    );
    // 5 days before a 5-day limit: the close of the acceptance day.
    let c = march(5, WarnRule::DaysBefore(5));
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 2, 17, 0)));
    // More days than the limit: clamped at zero budget, i.e. at the moment
    // counting starts (the acceptance day's close), not at the start.
    let c = march(5, WarnRule::DaysBefore(9));
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 2, 17, 0)));
    // Accepted after hours, counting starts at acceptance itself.
    let late = StatutoryClock::start(bj(2026, 3, 2, 19, 0), 5, WD, WarnRule::DaysBefore(9));
    assert_eq!(late.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 2, 19, 0)));
    // A 2-hour pause moves the warning too: 3/9 11:00.
    let c = paused(
        march(5, WarnRule::DaysBefore(1)),
        bj(2026, 3, 3, 10, 0),
        bj(2026, 3, 3, 12, 0),
    );
    assert_eq!(c.warn_at(&cal()).unwrap(), Some(bj(2026, 3, 9, 11, 0)));
}

#[test]
fn natural_days() {
    let cal = cal();
    // 3/2 + 10 calendar days = Thu 3/12, office close.
    let c = StatutoryClock::start(
        bj(2026, 3, 2, 10, 0),
        10,
        LimitUnit::NaturalDays,
        WarnRule::DaysBefore(2),
    );
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 12, 17, 0)));
    assert_eq!(c.warn_at(&cal).unwrap(), Some(bj(2026, 3, 10, 17, 0)));
    // Holidays inside the period do not matter for natural days, but whether its last day
    // is a rest day does (民法典 第二百零三条): a last day in 2027 needs a 2027 table, published
    // or provisional.
    let c = StatutoryClock::start(
        bj(2026, 12, 25, 10, 0),
        10,
        LimitUnit::NaturalDays,
        WarnRule::default(),
    );
    assert_eq!(
        c.due_at(&cal),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    let provisional = calendar::WorkCalendar::new(
        calendar::builtin_tables(),
        calendar::OfficeHours::default(),
        calendar::Fallback::Provisional,
    );
    // Mon 4 Jan 2027 is a working day under the statutory rules.
    assert_eq!(c.due_at(&provisional).unwrap(), Some(bj(2027, 1, 4, 17, 0)));
    // A one-day wall-clock pause moves the due moment by one day.
    let c = paused(
        StatutoryClock::start(
            bj(2026, 3, 2, 10, 0),
            10,
            LimitUnit::NaturalDays,
            WarnRule::default(),
        ),
        bj(2026, 3, 3, 10, 0),
        bj(2026, 3, 4, 10, 0),
    );
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 13, 17, 0)));
    // The acceptance day is not counted for natural days either: counting
    // starts at local midnight 3/3 00:00, the budget is 9 days + 17 h.
    let plain = StatutoryClock::start(
        bj(2026, 3, 2, 10, 0),
        10,
        LimitUnit::NaturalDays,
        WarnRule::default(),
    );
    let s = plain.status(&cal, bj(2026, 3, 2, 23, 0)).unwrap();
    assert_eq!(s.elapsed_working_seconds, 0);
    assert_eq!(s.remaining_working_seconds, (9 * 24 + 17) * HOUR);
    // A pause on 3/2, even into the evening, moves nothing ...
    let on_day = paused(plain.clone(), bj(2026, 3, 2, 10, 0), bj(2026, 3, 2, 23, 0));
    assert_eq!(on_day.due_at(&cal).unwrap(), Some(bj(2026, 3, 12, 17, 0)));
    // ... and one from 3/2 20:00 to 3/3 02:00 moves it by the 2 h after midnight.
    let across = paused(plain, bj(2026, 3, 2, 20, 0), bj(2026, 3, 3, 2, 0));
    assert_eq!(across.due_at(&cal).unwrap(), Some(bj(2026, 3, 12, 19, 0)));
    // Overdue counted in calendar days.
    let s = c.status(&cal, bj(2026, 3, 16, 8, 0)).unwrap();
    assert!(s.overdue);
    assert_eq!(s.overdue_working_days, 3);
    // Limit 0: the same day's close.
    let c = StatutoryClock::start(
        bj(2026, 3, 2, 10, 0),
        0,
        LimitUnit::NaturalDays,
        WarnRule::default(),
    );
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 2, 17, 0)));
}

#[test]
fn uncovered_year_is_an_error_not_a_guess() {
    let c = StatutoryClock::start(bj(2026, 12, 20, 10, 0), 20, WD, WarnRule::default());
    assert_eq!(
        c.due_at(&cal()).unwrap_err(),
        CalendarError::YearNotCovered { year: 2027 }
    );
}

/// 民法典 第二百零三条: a natural-day period whose last day is a rest day ends on the next
/// working day, at the office close.
#[test]
fn a_natural_day_limit_ending_on_a_sunday_falls_due_on_monday() {
    let cal = calendar::WorkCalendar::builtin();
    let start = DateTime::parse_from_rfc3339("2026-11-30T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    // 30 Nov + 6 days = Sun 6 Dec 2026: due Mon 7 Dec 17:00.
    let clock = StatutoryClock::start(start, 6, LimitUnit::NaturalDays, WarnRule::default());
    let due = DateTime::parse_from_rfc3339("2026-12-07T17:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(clock.due_at(&cal).unwrap(), Some(due));
    assert_eq!(clock.status(&cal, start).unwrap().due_at, Some(due));
    // Ending on Thu 1 Oct 2026 (国庆): the holiday runs to 7 Oct, and Sat 10 Oct is a make-up
    // working day, but the next working day is Thu 8 Oct.
    let start = DateTime::parse_from_rfc3339("2026-09-21T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let clock = StatutoryClock::start(start, 10, LimitUnit::NaturalDays, WarnRule::default());
    assert_eq!(
        clock.due_at(&cal).unwrap(),
        Some(
            DateTime::parse_from_rfc3339("2026-10-08T17:00:00+08:00")
                .unwrap()
                .with_timezone(&Utc)
        )
    );
    // A last day that is a working day is kept: 30 Nov + 3 = Thu 3 Dec.
    let start = DateTime::parse_from_rfc3339("2026-11-30T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let clock = StatutoryClock::start(start, 3, LimitUnit::NaturalDays, WarnRule::default());
    assert_eq!(
        clock.due_at(&cal).unwrap(),
        Some(
            DateTime::parse_from_rfc3339("2026-12-03T17:00:00+08:00")
                .unwrap()
                .with_timezone(&Utc)
        )
    );
}

/// 重新计时: after a supplement, the whole limit counts again from the day the materials came.
#[test]
fn restarting_counts_the_whole_limit_again() {
    let cal = cal();
    let mut c = StatutoryClock::start(
        bj(2026, 3, 9, 10, 0),
        5,
        LimitUnit::WorkingDays,
        WarnRule::default(),
    );
    c.pause(bj(2026, 3, 12, 10, 0), PauseReason::Supplement)
        .unwrap();
    let mut resumed = c.clone();
    resumed.resume(bj(2026, 3, 16, 10, 0)).unwrap();
    c.restart(bj(2026, 3, 16, 10, 0)).unwrap();
    // Resumed: Mon 16 Mar 17:00 + what was left; restarted: 5 full days from Mon 16 → Mon 23.
    assert_eq!(c.due_at(&cal).unwrap(), Some(bj(2026, 3, 23, 17, 0)));
    assert!(resumed.due_at(&cal).unwrap() < c.due_at(&cal).unwrap());
    assert!(c.pauses().is_empty());
    // Not paused: refused like a resume.
    assert!(c.restart(bj(2026, 3, 17, 10, 0)).is_err());
}
