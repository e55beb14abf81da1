//! WorkCalendar: day counts, deadlines, working seconds, fallback.

mod common;

use calendar::{builtin_tables, CalendarError, Fallback, HolidayTable, OfficeHours, WorkCalendar};
use chrono::{NaiveTime, TimeDelta};
use common::{bj, cal, d, lenient, utc, HOUR};

#[test]
fn deadline_across_spring_festival_2026() {
    // Thu 2/12 accepted (not counted): 13 Fri=1, 14 Sat (make-up)=2,
    // 15..23 holiday, 24 Tue=3, 25 Wed=4, 26 Thu=5.
    let due = cal().deadline(bj(2026, 2, 12, 10, 0), 5).unwrap();
    assert_eq!(due, bj(2026, 2, 26, 17, 0));
    assert_eq!(due, utc(2026, 2, 26, 9, 0));
    assert_eq!(
        cal().add_working_days(d(2026, 2, 12), 5).unwrap(),
        d(2026, 2, 26)
    );
    assert_eq!(
        cal().add_working_days(d(2026, 2, 12), 2).unwrap(),
        d(2026, 2, 14)
    );
    assert_eq!(
        cal().add_working_days(d(2026, 2, 12), 3).unwrap(),
        d(2026, 2, 24)
    );
}

#[test]
fn deadline_across_national_day() {
    let c = cal();
    // 2026: Tue 9/29 accepted: 9/30 Wed=1, 10/1..7 off, 10/8 Thu=2, 10/9 Fri=3,
    // 10/10 Sat (make-up)=4, 10/11 Sun off, 10/12 Mon=5.
    assert_eq!(
        c.deadline(bj(2026, 9, 29, 15, 0), 5).unwrap(),
        bj(2026, 10, 12, 17, 0)
    );
    // 2025: Fri 9/26 accepted: 9/27 Sat off, 9/28 Sun (make-up)=1, 9/29=2, 9/30=3,
    // 10/1..8 off, 10/9=4, 10/10=5, 10/11 Sat (make-up)=6, 10/12 Sun off, 10/13=7.
    assert_eq!(
        c.deadline(bj(2025, 9, 26, 11, 0), 3).unwrap(),
        bj(2025, 9, 30, 17, 0)
    );
    assert_eq!(
        c.deadline(bj(2025, 9, 26, 11, 0), 5).unwrap(),
        bj(2025, 10, 10, 17, 0)
    );
    assert_eq!(
        c.deadline(bj(2025, 9, 26, 11, 0), 7).unwrap(),
        bj(2025, 10, 13, 17, 0)
    );
}

#[test]
fn deadline_across_new_year_2025_2026() {
    // Mon 2025-12-29 accepted: 12/30=1, 12/31=2, 1/1..3 off, 1/4 Sun (make-up)=3,
    // 1/5=4, 1/6=5.
    let c = cal();
    assert_eq!(
        c.deadline(bj(2025, 12, 29, 16, 0), 5).unwrap(),
        bj(2026, 1, 6, 17, 0)
    );
    assert_eq!(
        c.deadline(bj(2025, 12, 29, 16, 0), 3).unwrap(),
        bj(2026, 1, 4, 17, 0)
    );
    assert_eq!(
        c.working_days_between(d(2025, 12, 29), d(2026, 1, 6))
            .unwrap(),
        5
    );
}

#[test]
fn acceptance_day_is_not_counted_whatever_the_hour() {
    let c = cal();
    // Before opening, during hours, after hours: day 1 is the next working day.
    for h in [7, 10, 18] {
        assert_eq!(
            c.deadline(bj(2026, 3, 2, h, 0), 1).unwrap(),
            bj(2026, 3, 3, 17, 0)
        );
    }
    // Accepted on a holiday (Sat 2026-10-03): day 1 is Thu 10/8.
    assert_eq!(
        c.deadline(bj(2026, 10, 3, 10, 0), 1).unwrap(),
        bj(2026, 10, 8, 17, 0)
    );
    // The local date decides, not the UTC date: 2026-02-12 20:00 UTC is 2/13 04:00
    // in Beijing, so day 1 is Sat 2/14 (make-up), not Fri 2/13.
    assert_eq!(
        c.deadline(utc(2026, 2, 12, 20, 0), 1).unwrap(),
        bj(2026, 2, 14, 17, 0)
    );
}

#[test]
fn same_day_items_limit_zero() {
    let c = cal();
    // Working day, before close: that day's close.
    assert_eq!(
        c.deadline(bj(2026, 2, 13, 10, 0), 0).unwrap(),
        bj(2026, 2, 13, 17, 0)
    );
    assert_eq!(
        c.deadline(bj(2026, 2, 13, 8, 0), 0).unwrap(),
        bj(2026, 2, 13, 17, 0)
    );
    // At or after close: next working day (Sat 2/14 is a make-up day).
    assert_eq!(
        c.deadline(bj(2026, 2, 13, 17, 0), 0).unwrap(),
        bj(2026, 2, 14, 17, 0)
    );
    assert_eq!(
        c.deadline(bj(2026, 2, 13, 18, 0), 0).unwrap(),
        bj(2026, 2, 14, 17, 0)
    );
    // On a holiday: next working day.
    assert_eq!(
        c.deadline(bj(2026, 2, 16, 10, 0), 0).unwrap(),
        bj(2026, 2, 24, 17, 0)
    );
    assert_eq!(
        c.add_working_days(d(2026, 2, 16), 0).unwrap(),
        d(2026, 2, 24)
    );
    assert_eq!(
        c.add_working_days(d(2026, 2, 13), 0).unwrap(),
        d(2026, 2, 13)
    );
}

#[test]
fn next_working_day_and_counts() {
    let c = cal();
    assert_eq!(c.next_working_day(d(2026, 2, 13)).unwrap(), d(2026, 2, 14));
    assert_eq!(c.next_working_day(d(2026, 2, 14)).unwrap(), d(2026, 2, 24));
    assert_eq!(c.next_working_day(d(2025, 12, 31)).unwrap(), d(2026, 1, 4));
    assert_eq!(
        c.working_days_between(d(2026, 2, 13), d(2026, 2, 13))
            .unwrap(),
        0
    );
    assert_eq!(
        c.working_days_between(d(2026, 2, 26), d(2026, 2, 12))
            .unwrap(),
        0
    );
    assert_eq!(
        c.working_days_between(d(2026, 2, 14), d(2026, 2, 23))
            .unwrap(),
        0
    );
    assert_eq!(
        c.working_days_between(d(2026, 2, 14), d(2026, 2, 24))
            .unwrap(),
        1
    );
}

#[test]
fn absurd_limits_are_refused() {
    let c = cal();
    let err = c.add_working_days(d(2026, 1, 5), 3651).unwrap_err();
    assert!(
        matches!(err, CalendarError::InvalidLimit { value: 3651, .. }),
        "{err}"
    );
    assert!(c.deadline(bj(2026, 1, 5, 10, 0), u32::MAX).is_err());
    let err = c
        .advance_working_seconds(bj(2026, 1, 5, 10, 0), -1)
        .unwrap_err();
    assert!(
        matches!(err, CalendarError::InvalidLimit { value: -1, .. }),
        "{err}"
    );
    assert!(c
        .advance_working_seconds(bj(2026, 1, 5, 10, 0), 3651 * 8 * HOUR)
        .is_err());
}

#[test]
fn fallback_error_and_weekends_only() {
    let strict = cal();
    assert_eq!(
        strict.is_working_day(d(2027, 1, 4)).unwrap_err(),
        CalendarError::YearNotCovered { year: 2027 }
    );
    assert_eq!(
        strict.deadline(bj(2026, 12, 31, 10, 0), 1).unwrap_err(),
        CalendarError::YearNotCovered { year: 2027 }
    );
    assert_eq!(
        strict.is_working_day(d(2024, 12, 31)).unwrap_err(),
        CalendarError::YearNotCovered { year: 2024 }
    );
    let loose = lenient();
    assert_eq!(loose.fallback(), Fallback::WeekendsOnly);
    // 2027-01-01 is a Friday: without a table it is an ordinary working day.
    assert!(loose.is_working_day(d(2027, 1, 1)).unwrap());
    assert!(!loose.is_working_day(d(2027, 1, 2)).unwrap()); // Sat
    assert!(!loose.is_working_day(d(2027, 1, 3)).unwrap()); // Sun
    assert!(loose.is_working_day(d(2027, 1, 4)).unwrap()); // Mon
    assert_eq!(
        loose.add_working_days(d(2026, 12, 31), 2).unwrap(),
        d(2027, 1, 4)
    );
    // 2027 weekends-only: 365 days, 1 Jan a Friday -> 52 weeks + 1 Friday = 261.
    assert_eq!(
        loose
            .working_days_between(d(2026, 12, 31), d(2027, 12, 31))
            .unwrap(),
        261
    );
    // Tables still win inside covered years.
    assert!(!loose.is_working_day(d(2026, 10, 1)).unwrap());
}

#[test]
fn later_table_replaces_earlier_and_years_need_not_be_contiguous() {
    let t2026 = HolidayTable::new(2026, vec![d(2026, 3, 2)], vec![]).unwrap();
    let t2028 = HolidayTable::new(2028, vec![], vec![]).unwrap();
    let mut tables = builtin_tables();
    tables.push(t2026.clone());
    tables.push(t2028);
    let c = WorkCalendar::new(tables, OfficeHours::default(), Fallback::Error);
    assert_eq!(c.covered_years(), vec![2025, 2026, 2028]);
    assert_eq!(c.table(2026), Some(&t2026));
    assert!(!c.is_working_day(d(2026, 3, 2)).unwrap());
    assert!(c.is_working_day(d(2026, 10, 1)).unwrap()); // replaced table has no National Day
    assert!(c.is_working_day(d(2028, 1, 3)).unwrap());
    assert_eq!(
        c.is_working_day(d(2027, 6, 1)).unwrap_err(),
        CalendarError::YearNotCovered { year: 2027 }
    );
    let empty = WorkCalendar::new(vec![], OfficeHours::default(), Fallback::Error);
    assert!(empty.covered_years().is_empty());
    assert!(empty.is_working_day(d(2026, 1, 5)).is_err());
}

#[test]
fn working_seconds() {
    let c = cal();
    // Same day.
    assert_eq!(
        c.working_seconds_between(bj(2026, 2, 13, 10, 0), bj(2026, 2, 13, 12, 30))
            .unwrap(),
        9000
    );
    // Clipped to office hours.
    assert_eq!(
        c.working_seconds_between(bj(2026, 2, 13, 7, 0), bj(2026, 2, 13, 20, 0))
            .unwrap(),
        8 * HOUR
    );
    // Over the Spring Festival: Fri 16–17 (1 h) + Sat 2/14 make-up (8 h) + Tue 2/24 9–10 (1 h).
    assert_eq!(
        c.working_seconds_between(bj(2026, 2, 13, 16, 0), bj(2026, 2, 24, 10, 0))
            .unwrap(),
        10 * HOUR
    );
    // Over New Year 2025/26: 12/31 16–17 (1 h) + Sun 1/4 make-up (8 h) + 1/5 9–10 (1 h).
    assert_eq!(
        c.working_seconds_between(bj(2025, 12, 31, 16, 0), bj(2026, 1, 5, 10, 0))
            .unwrap(),
        10 * HOUR
    );
    // Holiday to holiday: nothing.
    assert_eq!(
        c.working_seconds_between(bj(2026, 10, 2, 10, 0), bj(2026, 10, 5, 15, 0))
            .unwrap(),
        0
    );
    // Reversed and empty.
    assert_eq!(
        c.working_seconds_between(bj(2026, 2, 13, 12, 0), bj(2026, 2, 13, 10, 0))
            .unwrap(),
        0
    );
    assert_eq!(
        c.working_seconds_between(bj(2026, 2, 13, 12, 0), bj(2026, 2, 13, 12, 0))
            .unwrap(),
        0
    );
}

#[test]
fn advancing_working_seconds() {
    let c = cal();
    let from = bj(2026, 2, 13, 16, 0);
    assert_eq!(c.advance_working_seconds(from, 0).unwrap(), from);
    // Landing exactly on the close returns the close, not the next opening.
    assert_eq!(
        c.advance_working_seconds(from, HOUR).unwrap(),
        bj(2026, 2, 13, 17, 0)
    );
    assert_eq!(
        c.advance_working_seconds(from, HOUR + 1).unwrap(),
        bj(2026, 2, 14, 9, 0) + TimeDelta::seconds(1)
    );
    // 1 h + 8 h (Sat 2/14) = close of 2/14; one more hour is Tue 2/24 10:00.
    assert_eq!(
        c.advance_working_seconds(from, 9 * HOUR).unwrap(),
        bj(2026, 2, 14, 17, 0)
    );
    assert_eq!(
        c.advance_working_seconds(from, 10 * HOUR).unwrap(),
        bj(2026, 2, 24, 10, 0)
    );
    // From Friday evening, 8 h lands on Monday's close.
    assert_eq!(
        c.advance_working_seconds(bj(2026, 3, 6, 18, 0), 8 * HOUR)
            .unwrap(),
        bj(2026, 3, 9, 17, 0)
    );
    // From before opening.
    assert_eq!(
        c.advance_working_seconds(bj(2026, 3, 9, 6, 0), 1).unwrap(),
        bj(2026, 3, 9, 9, 0) + TimeDelta::seconds(1)
    );
}

#[test]
fn next_working_moment() {
    let c = cal();
    let t = bj(2026, 2, 13, 12, 0);
    assert_eq!(c.next_working_moment(t).unwrap(), t);
    assert_eq!(
        c.next_working_moment(bj(2026, 2, 13, 8, 0)).unwrap(),
        bj(2026, 2, 13, 9, 0)
    );
    assert_eq!(
        c.next_working_moment(bj(2026, 2, 13, 17, 0)).unwrap(),
        bj(2026, 2, 14, 9, 0)
    );
    assert_eq!(
        c.next_working_moment(bj(2026, 2, 15, 10, 0)).unwrap(),
        bj(2026, 2, 24, 9, 0)
    );
}

#[test]
fn custom_office_hours() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let hours = OfficeHours::new(t(8, 30), t(17, 30)).unwrap();
    let c = WorkCalendar::new(builtin_tables(), hours, Fallback::Error);
    assert_eq!(c.hours(), hours);
    assert_eq!(
        c.deadline(bj(2026, 2, 12, 10, 0), 5).unwrap(),
        bj(2026, 2, 26, 17, 30)
    );
    assert_eq!(
        c.working_seconds_between(bj(2026, 3, 2, 0, 0), bj(2026, 3, 3, 0, 0))
            .unwrap(),
        9 * HOUR
    );
    // Public fields allow an invalid value; the calendar refuses to use it.
    let bad = OfficeHours {
        open: t(17, 0),
        close: t(9, 0),
    };
    let c = WorkCalendar::new(builtin_tables(), bad, Fallback::Error);
    assert!(matches!(
        c.deadline(bj(2026, 3, 2, 10, 0), 1).unwrap_err(),
        CalendarError::InvalidOfficeHours { .. }
    ));
    assert!(c
        .advance_working_seconds(bj(2026, 3, 2, 10, 0), 10)
        .is_err());
}

#[test]
fn extreme_moments_give_errors_not_panics() {
    use chrono::{DateTime, Utc};
    let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    for c in [cal(), lenient()] {
        for t in [min, max] {
            let _ = c.deadline(t, 1);
            let _ = c.deadline(t, 0);
            let _ = c.next_working_moment(t);
            let _ = c.advance_working_seconds(t, 8 * HOUR);
        }
        let _ = c.working_seconds_between(min, max);
        let _ = c.working_days_between(chrono::NaiveDate::MIN, chrono::NaiveDate::MAX);
        let _ = c.add_working_days(chrono::NaiveDate::MAX, 1);
    }
    assert_eq!(
        cal().deadline(max, 1).unwrap_err(),
        CalendarError::YearNotCovered { year: 262_143 }
    );
    for unit in [
        calendar::LimitUnit::WorkingDays,
        calendar::LimitUnit::NaturalDays,
    ] {
        let clock = calendar::StatutoryClock::start(max, 10, unit, calendar::WarnRule::default());
        assert!(clock.due_at(&lenient()).is_err());
        let _ = clock.status(&lenient(), max);
    }
}
