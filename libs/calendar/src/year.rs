//! Per-year working-day index: prefix sums over the day of the year, so that
//! counting and adding working days cost O(1) per year crossed.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::{CalendarError, HolidayTable};

/// Number of days in `year` (365 or 366).
pub(crate) fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// A holiday table with its precomputed prefix sums.
#[derive(Clone)]
pub(crate) struct YearIndex {
    table: HolidayTable,
    /// `before[o]` = working days among ordinals `0..o` (length `days + 1`).
    before: Box<[u16]>,
    /// Zero-based ordinals of the working days, ascending.
    working: Box<[u16]>,
}

impl fmt::Debug for YearIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YearIndex")
            .field("year", &self.table.year())
            .field("working_days", &self.working.len())
            .finish()
    }
}

impl YearIndex {
    pub(crate) fn build(table: HolidayTable) -> Self {
        let year = table.year();
        let days = days_in_year(year);
        let mut before = Vec::with_capacity(days as usize + 1);
        let mut working = Vec::with_capacity(days as usize);
        before.push(0u16);
        let first = NaiveDate::from_yo_opt(year, 1);
        for (o, d) in first
            .iter()
            .flat_map(|f| f.iter_days())
            .take(days as usize)
            .enumerate()
        {
            let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if (weekday && !table.is_holiday(d)) || table.is_makeup_workday(d) {
                // o < 366 and the count < 367: both fit in u16.
                working.push(o as u16);
            }
            before.push(working.len() as u16);
        }
        Self {
            table,
            before: before.into(),
            working: working.into(),
        }
    }

    pub(crate) fn table(&self) -> &HolidayTable {
        &self.table
    }
}

/// One year as the calendar sees it: from a table, or weekends-only fallback.
#[derive(Clone, Copy)]
pub(crate) enum YearView<'a> {
    Table(&'a YearIndex),
    /// `jan1`: weekday of 1 January, days from Monday (0..=6).
    WeekendsOnly {
        jan1: u32,
        len: u32,
    },
}

/// Working (Mon–Fri) positions among `0..x`, position `p` having weekday `p % 7` from Monday.
fn weekdays_before(x: u32) -> u32 {
    5 * (x / 7) + (x % 7).min(5)
}

impl YearView<'_> {
    pub(crate) fn weekends_only(year: i32) -> Result<Self, CalendarError> {
        let jan1 = NaiveDate::from_yo_opt(year, 1).ok_or(CalendarError::YearNotCovered { year })?;
        Ok(Self::WeekendsOnly {
            jan1: jan1.weekday().num_days_from_monday(),
            len: days_in_year(year),
        })
    }

    pub(crate) fn len(&self) -> u32 {
        match self {
            Self::Table(ix) => ix.before.len() as u32 - 1,
            Self::WeekendsOnly { len, .. } => *len,
        }
    }

    /// Working days among ordinals `0..o` (`o <= len`).
    pub(crate) fn before(&self, o: u32) -> u32 {
        match self {
            Self::Table(ix) => u32::from(ix.before[o as usize]),
            Self::WeekendsOnly { jan1, .. } => weekdays_before(jan1 + o) - weekdays_before(*jan1),
        }
    }

    pub(crate) fn total(&self) -> u32 {
        self.before(self.len())
    }

    pub(crate) fn is_working(&self, o: u32) -> bool {
        self.before(o + 1) > self.before(o)
    }

    /// Zero-based ordinal of the `k`-th working day of the year (`1 <= k <= total`).
    pub(crate) fn nth(&self, k: u32) -> u32 {
        match self {
            Self::Table(ix) => u32::from(ix.working[k as usize - 1]),
            Self::WeekendsOnly { jan1, .. } => {
                let t = weekdays_before(*jan1) + k - 1;
                7 * (t / 5) + t % 5 - jan1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(year: i32, table: Option<&HolidayTable>) -> Vec<bool> {
        let first = NaiveDate::from_yo_opt(year, 1).unwrap();
        first
            .iter_days()
            .take(days_in_year(year) as usize)
            .map(|d| {
                let wd = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                match table {
                    Some(t) => (wd && !t.is_holiday(d)) || t.is_makeup_workday(d),
                    None => wd,
                }
            })
            .collect()
    }

    fn check(view: YearView<'_>, expect: &[bool]) {
        assert_eq!(view.len() as usize, expect.len());
        let mut count = 0;
        for (o, &w) in expect.iter().enumerate() {
            assert_eq!(view.before(o as u32), count, "before({o})");
            assert_eq!(view.is_working(o as u32), w, "is_working({o})");
            if w {
                count += 1;
                assert_eq!(view.nth(count), o as u32, "nth({count})");
            }
        }
        assert_eq!(view.total(), count);
    }

    #[test]
    fn weekends_only_arithmetic_matches_brute_force() {
        // Every weekday for 1 January and both year lengths.
        for year in 2020..=2034 {
            check(YearView::weekends_only(year).unwrap(), &brute(year, None));
        }
    }

    #[test]
    fn table_index_matches_brute_force() {
        for t in crate::builtin_tables() {
            let ix = YearIndex::build(t.clone());
            check(YearView::Table(&ix), &brute(t.year(), Some(&t)));
        }
    }

    #[test]
    fn leap_years() {
        assert_eq!(days_in_year(2024), 366);
        assert_eq!(days_in_year(2026), 365);
        assert_eq!(days_in_year(2100), 365);
        assert_eq!(days_in_year(2000), 366);
    }
}
