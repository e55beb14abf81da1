//! Provisional holiday tables (暂定节假日) for years whose State Council notice is not out yet.
//!
//! Each December the State Council publishes the next year's arrangement (放假安排通知),
//! with its make-up working days (调休). Until then a deadline that runs into that year is
//! computed from the statutory rules alone, and every answer that used such a year is
//! flagged `provisional`; publishing the real table re-plans what was computed.
//!
//! The rules: 《全国年节及纪念日放假办法》 as amended by State Council Order No. 795 (in force
//! 1 January 2025), 第二条 — the public holidays of all citizens:
//!
//! | holiday | days | date |
//! |---|---|---|
//! | 元旦 New Year | 1 | 1 January |
//! | 春节 Spring Festival | 4 | 除夕 (lunar New Year's Eve) and 正月初一 to 初三 |
//! | 清明节 Qingming | 1 | the day of the Qingming solar term (4 or 5 April) |
//! | 劳动节 Labour Day | 2 | 1 and 2 May |
//! | 端午节 Dragon Boat | 1 | 五月初五 (lunar) |
//! | 中秋节 Mid-Autumn | 1 | 八月十五 (lunar) |
//! | 国庆节 National Day | 3 | 1 to 3 October |
//!
//! 第六条: a holiday of all citizens that falls on a Saturday or Sunday is made up on a
//! working day (补假): here, the first weekday after the holiday that is not itself a
//! holiday, one per weekend day (and one per day where two holidays coincide, as when 中秋
//! falls within 国庆). No make-up working days (调休上班) are invented: those are the notice's
//! own choice each year, so a provisional year has none.
//!
//! Lunar dates come from the Chinese calendar of `icu_calendar` (astronomical, Beijing
//! time). The Qingming day uses the standard solar-term approximation for 2001–2099
//! (`⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋` April, Y = the year's last two digits), checked against the
//! published dates in the tests.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use icu_calendar::types::Month;
use icu_calendar::Date;

use crate::{CalendarError, HolidayTable};

/// The years a provisional table can be computed for.
pub const PROVISIONAL_YEARS: std::ops::RangeInclusive<i32> = 2001..=2099;

/// The ISO date of a lunar (Chinese calendar) month and day in the lunar year that begins in
/// `year`.
fn lunar(year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    let d = Date::try_new_chinese_traditional(year, Month::new(month), day).ok()?;
    let iso = d.to_calendar(icu_calendar::Iso);
    NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        u32::from(iso.month().ordinal),
        u32::from(iso.day_of_month().0),
    )
}

/// The Qingming solar term (清明) of `year`, 2001–2099.
pub fn qingming(year: i32) -> Option<NaiveDate> {
    if !PROVISIONAL_YEARS.contains(&year) {
        return None;
    }
    let y = f64::from(year % 100);
    // ⌊Y·D + C⌋ − ⌊Y/4⌋ with D = 0.2422, C = 4.81 (the 21st-century constant for 清明).
    let day = (y * 0.2422 + 4.81).floor() - (y / 4.0).floor();
    // `day` is 4 or 5 for every year of the range.
    NaiveDate::from_ymd_opt(year, 4, day.clamp(1.0, 30.0) as u32)
}

/// The statutory holidays of `year` (第二条), before 补假, each with the festival it belongs to.
pub fn statutory_holidays(year: i32) -> Result<Vec<(NaiveDate, &'static str)>, CalendarError> {
    let missing = || CalendarError::YearNotCovered { year };
    if !PROVISIONAL_YEARS.contains(&year) {
        return Err(missing());
    }
    let ymd = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).ok_or_else(missing);
    let new_year = lunar(year, 1, 1).ok_or_else(missing)?;
    let mut out = vec![(ymd(1, 1)?, "元旦")];
    for offset in -1..=2 {
        out.push((new_year + Duration::days(offset), "春节"));
    }
    out.push((qingming(year).ok_or_else(missing)?, "清明节"));
    out.push((ymd(5, 1)?, "劳动节"));
    out.push((ymd(5, 2)?, "劳动节"));
    out.push((lunar(year, 5, 5).ok_or_else(missing)?, "端午节"));
    out.push((lunar(year, 8, 15).ok_or_else(missing)?, "中秋节"));
    for d in 1..=3 {
        out.push((ymd(10, d)?, "国庆节"));
    }
    Ok(out)
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The provisional table of `year`: the statutory holidays plus 补假 (第六条), no make-up
/// working days.
pub fn provisional_table(year: i32) -> Result<HolidayTable, CalendarError> {
    let statutory = statutory_holidays(year)?;
    let mut days: Vec<NaiveDate> = statutory.iter().map(|(d, _)| *d).collect();
    days.sort_unstable();
    let coinciding = days.len();
    days.dedup();
    let coinciding = coinciding - days.len();
    // One substitute weekday per holiday day on a weekend and per coinciding pair, placed
    // after the holiday it belongs to.
    let mut owed: Vec<NaiveDate> = days.iter().copied().filter(|d| weekend(*d)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (d, _) in &statutory {
        if !seen.insert(*d) {
            owed.push(*d);
        }
    }
    debug_assert_eq!(
        owed.len() - days.iter().filter(|d| weekend(**d)).count(),
        coinciding
    );
    owed.sort_unstable();
    let mut all = days.clone();
    for from in owed {
        let mut d = from;
        loop {
            d += Duration::days(1);
            if d.year() != year {
                break;
            }
            if !weekend(d) && !all.contains(&d) {
                all.push(d);
                break;
            }
        }
    }
    all.sort_unstable();
    HolidayTable::new(year, all, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn qingming_matches_the_published_dates() {
        // 清明 of 2020–2030 as the almanac gives them.
        let published = [
            (2020, 4),
            (2021, 4),
            (2022, 5),
            (2023, 5),
            (2024, 4),
            (2025, 4),
            (2026, 5),
            (2027, 5),
            (2028, 4),
            (2029, 4),
            (2030, 5),
        ];
        for (year, day) in published {
            assert_eq!(
                qingming(year),
                NaiveDate::from_ymd_opt(year, 4, day),
                "{year}"
            );
        }
    }

    #[test]
    fn lunar_festivals_fall_on_their_known_dates() {
        // Spring Festival 2025 29 Jan, 2026 17 Feb, 2027 6 Feb; 端午 2026 19 Jun; 中秋 2026 25 Sep,
        // 2027 15 Sep.
        assert_eq!(lunar(2025, 1, 1), Some(d("2025-01-29")));
        assert_eq!(lunar(2026, 1, 1), Some(d("2026-02-17")));
        assert_eq!(lunar(2027, 1, 1), Some(d("2027-02-06")));
        assert_eq!(lunar(2026, 5, 5), Some(d("2026-06-19")));
        assert_eq!(lunar(2026, 8, 15), Some(d("2026-09-25")));
        assert_eq!(lunar(2027, 8, 15), Some(d("2027-09-15")));
    }

    #[test]
    fn the_2027_spring_festival_with_its_substitute_days() {
        let t = provisional_table(2027).unwrap();
        // 除夕 Fri 5 Feb, 初一 Sat 6, 初二 Sun 7, 初三 Mon 8; Sat and Sun made up on Tue 9, Wed 10.
        for day in [
            "2027-02-05",
            "2027-02-06",
            "2027-02-07",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
        ] {
            assert!(t.is_holiday(d(day)), "{day}");
        }
        assert!(!t.is_holiday(d("2027-02-11")));
        assert!(t.makeup_workdays().is_empty(), "no 调休 is invented");
        // 元旦 Fri 1 Jan 2027: no substitute; 国庆 Fri 1 – Sun 3 Oct: Mon 4 and Tue 5 made up.
        assert!(t.is_holiday(d("2027-01-01")));
        assert!(!t.is_holiday(d("2027-01-04")));
        for day in ["2027-10-01", "2027-10-04", "2027-10-05"] {
            assert!(t.is_holiday(d(day)), "{day}");
        }
        assert!(!t.is_holiday(d("2027-10-06")));
    }

    #[test]
    fn coinciding_holidays_owe_a_day() {
        // 2020: 中秋 fell on 1 October, inside 国庆 (the notice gave 8 days). Thu 1 – Sat 3 Oct
        // plus the coinciding day: Sat 3 → Mon 5, coinciding → Tue 6.
        let t = provisional_table(2020).unwrap();
        let off: Vec<NaiveDate> = t
            .holidays()
            .iter()
            .copied()
            .filter(|x| x.month() == 10)
            .collect();
        assert_eq!(
            off,
            vec![
                d("2020-10-01"),
                d("2020-10-02"),
                d("2020-10-03"),
                d("2020-10-05"),
                d("2020-10-06")
            ]
        );
    }

    #[test]
    fn every_statutory_holiday_of_2026_is_off_in_the_published_table() {
        // The provisional rules never call a day of the real notice's holidays a working day.
        let official = crate::builtin_tables()
            .into_iter()
            .find(|t| t.year() == 2026)
            .unwrap();
        for (day, name) in statutory_holidays(2026).unwrap() {
            assert!(official.is_holiday(day) || weekend(day), "{name} {day}");
        }
    }

    #[test]
    fn years_outside_the_range_are_not_guessed() {
        assert!(provisional_table(2100).is_err());
        assert!(provisional_table(2000).is_err());
    }
}
