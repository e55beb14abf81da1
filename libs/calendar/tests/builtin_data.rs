//! The built-in 2025 and 2026 tables against the State Council notices.

mod common;

use calendar::{builtin_tables, HolidayTable};
use chrono::{Datelike, NaiveDate, Weekday};
use common::{cal, d};

fn table(year: i32) -> HolidayTable {
    builtin_tables()
        .into_iter()
        .find(|t| t.year() == year)
        .unwrap()
}

fn span(a: NaiveDate, b: NaiveDate) -> Vec<NaiveDate> {
    a.iter_days().take_while(|x| *x <= b).collect()
}

#[test]
fn builtin_covers_2025_and_2026() {
    assert_eq!(cal().covered_years(), vec![2025, 2026]);
}

#[test]
fn table_2025_is_the_notice() {
    // 国办发明电〔2024〕12号
    let t = table(2025);
    let mut holidays = vec![d(2025, 1, 1)];
    holidays.extend(span(d(2025, 1, 28), d(2025, 2, 4)));
    holidays.extend(span(d(2025, 4, 4), d(2025, 4, 6)));
    holidays.extend(span(d(2025, 5, 1), d(2025, 5, 5)));
    holidays.extend(span(d(2025, 5, 31), d(2025, 6, 2)));
    holidays.extend(span(d(2025, 10, 1), d(2025, 10, 8)));
    assert_eq!(t.holidays(), holidays.as_slice());
    assert_eq!(holidays.len(), 1 + 8 + 3 + 5 + 3 + 8);
    assert_eq!(
        t.makeup_workdays(),
        &[
            d(2025, 1, 26),
            d(2025, 2, 8),
            d(2025, 4, 27),
            d(2025, 9, 28),
            d(2025, 10, 11)
        ]
    );
}

#[test]
fn table_2026_is_the_notice() {
    // 国办发明电〔2025〕7号
    let t = table(2026);
    let mut holidays = span(d(2026, 1, 1), d(2026, 1, 3));
    holidays.extend(span(d(2026, 2, 15), d(2026, 2, 23)));
    holidays.extend(span(d(2026, 4, 4), d(2026, 4, 6)));
    holidays.extend(span(d(2026, 5, 1), d(2026, 5, 5)));
    holidays.extend(span(d(2026, 6, 19), d(2026, 6, 21)));
    holidays.extend(span(d(2026, 9, 25), d(2026, 9, 27)));
    holidays.extend(span(d(2026, 10, 1), d(2026, 10, 7)));
    assert_eq!(t.holidays(), holidays.as_slice());
    assert_eq!(holidays.len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    assert_eq!(
        t.makeup_workdays(),
        &[
            d(2026, 1, 4),
            d(2026, 2, 14),
            d(2026, 2, 28),
            d(2026, 5, 9),
            d(2026, 9, 20),
            d(2026, 10, 10)
        ]
    );
}

/// Every weekday the notices state, checked with chrono.
#[test]
fn weekdays_stated_in_the_notices() {
    use Weekday::*;
    let claims = [
        // 2025
        (d(2025, 1, 1), Wed),
        (d(2025, 1, 28), Tue),
        (d(2025, 2, 4), Tue),
        (d(2025, 1, 26), Sun),
        (d(2025, 2, 8), Sat),
        (d(2025, 4, 4), Fri),
        (d(2025, 4, 6), Sun),
        (d(2025, 5, 1), Thu),
        (d(2025, 5, 5), Mon),
        (d(2025, 4, 27), Sun),
        (d(2025, 5, 31), Sat),
        (d(2025, 6, 2), Mon),
        (d(2025, 10, 1), Wed),
        (d(2025, 10, 8), Wed),
        (d(2025, 9, 28), Sun),
        (d(2025, 10, 11), Sat),
        // 2026
        (d(2026, 1, 1), Thu),
        (d(2026, 1, 3), Sat),
        (d(2026, 1, 4), Sun),
        (d(2026, 2, 15), Sun),
        (d(2026, 2, 23), Mon),
        (d(2026, 2, 14), Sat),
        (d(2026, 2, 28), Sat),
        (d(2026, 4, 4), Sat),
        (d(2026, 4, 6), Mon),
        (d(2026, 5, 1), Fri),
        (d(2026, 5, 5), Tue),
        (d(2026, 5, 9), Sat),
        (d(2026, 6, 19), Fri),
        (d(2026, 6, 21), Sun),
        (d(2026, 9, 25), Fri),
        (d(2026, 9, 27), Sun),
        (d(2026, 10, 1), Thu),
        (d(2026, 10, 7), Wed),
        (d(2026, 9, 20), Sun),
        (d(2026, 10, 10), Sat),
    ];
    for (date, wd) in claims {
        assert_eq!(date.weekday(), wd, "{date}");
    }
    for t in builtin_tables() {
        for m in t.makeup_workdays() {
            assert!(matches!(m.weekday(), Sat | Sun), "{m} is not a weekend");
        }
    }
}

#[test]
fn every_holiday_is_off_and_every_makeup_day_is_on() {
    let c = cal();
    for t in builtin_tables() {
        for h in t.holidays() {
            assert!(!c.is_working_day(*h).unwrap(), "{h} should be off");
        }
        for m in t.makeup_workdays() {
            assert!(c.is_working_day(*m).unwrap(), "{m} should be on");
        }
    }
}

#[test]
fn sample_days() {
    let c = cal();
    // Working Saturdays around the 2026 Spring Festival.
    assert!(c.is_working_day(d(2026, 2, 14)).unwrap());
    assert!(c.is_working_day(d(2026, 2, 28)).unwrap());
    // Spring Festival, including its weekend days and a Monday.
    for day in 15..=23 {
        assert!(!c.is_working_day(d(2026, 2, day)).unwrap(), "2026-02-{day}");
    }
    // National Day 2025 (8 days, with Mid-Autumn) and 2026 (7 days).
    for day in 1..=8 {
        assert!(!c.is_working_day(d(2025, 10, day)).unwrap());
    }
    assert!(c.is_working_day(d(2025, 10, 9)).unwrap());
    for day in 1..=7 {
        assert!(!c.is_working_day(d(2026, 10, day)).unwrap());
    }
    assert!(c.is_working_day(d(2026, 10, 8)).unwrap());
    // Ordinary Saturday and Sunday are off; ordinary weekdays are on.
    assert!(!c.is_working_day(d(2026, 3, 7)).unwrap());
    assert!(!c.is_working_day(d(2026, 3, 8)).unwrap());
    assert!(c.is_working_day(d(2026, 3, 9)).unwrap());
    // 2025-12-31 (Wed) works; 2026-01-02 (Fri) is off; 2026-01-04 (Sun) works.
    assert!(c.is_working_day(d(2025, 12, 31)).unwrap());
    assert!(!c.is_working_day(d(2026, 1, 2)).unwrap());
    assert!(c.is_working_day(d(2026, 1, 4)).unwrap());
}

#[test]
fn working_days_per_year() {
    let c = cal();
    // 2026: 1 Jan is a Thursday, 365 = 52 weeks + 1 Thursday, so 104 weekend days
    // and 261 weekdays. Holidays on weekdays: 元旦 1/1,1/2 (2); 春节 2/16–2/20,
    // 2/23 (6); 清明 4/6 (1); 劳动节 5/1,5/4,5/5 (3); 端午 6/19 (1); 中秋 9/25 (1);
    // 国庆 10/1,10/2,10/5,10/6,10/7 (5) = 19. Make-up days: 6.
    // 365 - 104 - 19 + 6 = 248.
    assert_eq!(
        c.working_days_between(d(2025, 12, 31), d(2026, 12, 31))
            .unwrap(),
        248
    );
    // 2025: 1 Jan is a Wednesday, again 104 weekend days, 261 weekdays.
    // Holidays on weekdays: 1/1 (1); 1/28–1/31, 2/3, 2/4 (6); 4/4 (1);
    // 5/1, 5/2, 5/5 (3); 6/2 (1); 10/1–10/3, 10/6–10/8 (6) = 18. Make-up days: 5.
    // 365 - 104 - 18 + 5 = 248.
    assert_eq!(
        c.working_days_between(d(2024, 12, 31), d(2025, 12, 31))
            .unwrap(),
        248
    );
    // February 2026: 20 weekdays - 6 holidays (16–20, 23) + 2 (14, 28) = 16.
    assert_eq!(
        c.working_days_between(d(2026, 1, 31), d(2026, 2, 28))
            .unwrap(),
        16
    );
    // Brute force agrees.
    let n = d(2026, 1, 1)
        .iter_days()
        .take(365)
        .filter(|x| c.is_working_day(*x).unwrap())
        .count();
    assert_eq!(n, 248);
}
