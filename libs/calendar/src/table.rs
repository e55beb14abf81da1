//! Holiday tables (节假日安排): one year's public holidays and make-up working
//! days (调休上班日), plus the built-in tables from the State Council notices.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::CalendarError;

/// One year's holidays and make-up working days, validated.
///
/// Holidays may fall on a weekend (e.g. 2026-02-15, a Sunday inside the
/// Spring Festival span); make-up working days must be a Saturday or Sunday.
/// Both lists are kept sorted. Deserialization validates like [`HolidayTable::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHolidayTable")]
pub struct HolidayTable {
    year: i32,
    holidays: Vec<NaiveDate>,
    makeup_workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
struct RawHolidayTable {
    year: i32,
    holidays: Vec<NaiveDate>,
    makeup_workdays: Vec<NaiveDate>,
}

impl TryFrom<RawHolidayTable> for HolidayTable {
    type Error = CalendarError;
    fn try_from(raw: RawHolidayTable) -> Result<Self, Self::Error> {
        Self::new(raw.year, raw.holidays, raw.makeup_workdays)
    }
}

impl HolidayTable {
    /// Validates and sorts: every date in `year`; no date twice (within or
    /// across the lists); make-up working days are Saturdays or Sundays.
    pub fn new(
        year: i32,
        mut holidays: Vec<NaiveDate>,
        mut makeup_workdays: Vec<NaiveDate>,
    ) -> Result<Self, CalendarError> {
        if let Some(&date) = holidays
            .iter()
            .chain(&makeup_workdays)
            .find(|d| d.year() != year)
        {
            return Err(CalendarError::DateOutsideYear { year, date });
        }
        if let Some(&date) = makeup_workdays
            .iter()
            .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        {
            return Err(CalendarError::MakeupNotWeekend { date });
        }
        holidays.sort_unstable();
        makeup_workdays.sort_unstable();
        let mut all: Vec<NaiveDate> = holidays.iter().chain(&makeup_workdays).copied().collect();
        all.sort_unstable();
        if let Some(pair) = all.windows(2).find(|w| w[0] == w[1]) {
            return Err(CalendarError::DuplicateDate { date: pair[0] });
        }
        Ok(Self {
            year,
            holidays,
            makeup_workdays,
        })
    }

    /// The year the table covers.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Public holidays (放假日), sorted; may include weekend days.
    pub fn holidays(&self) -> &[NaiveDate] {
        &self.holidays
    }

    /// Make-up working days (调休上班日), sorted; all Saturdays or Sundays.
    pub fn makeup_workdays(&self) -> &[NaiveDate] {
        &self.makeup_workdays
    }

    /// Whether `d` is a listed holiday.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.binary_search(&d).is_ok()
    }

    /// Whether `d` is a listed make-up working day.
    pub fn is_makeup_workday(&self, d: NaiveDate) -> bool {
        self.makeup_workdays.binary_search(&d).is_ok()
    }
}

/// A (month, day) of built-in data.
type MonthDay = (u32, u32);

/// Inclusive span of dates `(y, m1, d1) ..= (y, m2, d2)`; built-in data only.
fn span(y: i32, (m1, d1): MonthDay, (m2, d2): MonthDay) -> Vec<NaiveDate> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(y, m1, d1),
        NaiveDate::from_ymd_opt(y, m2, d2),
    ) else {
        panic!("built-in holiday data has an impossible date in {y}");
    };
    from.iter_days().take_while(|d| *d <= to).collect()
}

fn builtin(year: i32, holidays: &[(MonthDay, MonthDay)], makeup: &[MonthDay]) -> HolidayTable {
    let holidays = holidays
        .iter()
        .flat_map(|&(a, b)| span(year, a, b))
        .collect();
    let makeup = makeup.iter().flat_map(|&d| span(year, d, d)).collect();
    match HolidayTable::new(year, holidays, makeup) {
        Ok(table) => table,
        Err(e) => panic!("built-in holiday table {year} is invalid: {e}"),
    }
}

/// Built-in tables for 2025 and 2026, from the State Council notices
/// 国办发明电〔2024〕12号 (2025) and 国办发明电〔2025〕7号 (2026).
///
/// The data are constants checked by the crate's tests; the panics above can
/// only fire if this source is edited wrongly.
pub fn builtin_tables() -> Vec<HolidayTable> {
    vec![
        // 2025: 元旦 1/1; 春节 1/28–2/4; 清明 4/4–4/6; 劳动节 5/1–5/5;
        // 端午 5/31–6/2; 国庆·中秋 10/1–10/8.
        // 上班: 1/26 (Sun), 2/8 (Sat), 4/27 (Sun), 9/28 (Sun), 10/11 (Sat).
        builtin(
            2025,
            &[
                ((1, 1), (1, 1)),
                ((1, 28), (2, 4)),
                ((4, 4), (4, 6)),
                ((5, 1), (5, 5)),
                ((5, 31), (6, 2)),
                ((10, 1), (10, 8)),
            ],
            &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
        ),
        // 2026: 元旦 1/1–1/3; 春节 2/15–2/23; 清明 4/4–4/6; 劳动节 5/1–5/5;
        // 端午 6/19–6/21; 中秋 9/25–9/27; 国庆 10/1–10/7.
        // 上班: 1/4 (Sun), 2/14 (Sat), 2/28 (Sat), 5/9 (Sat), 9/20 (Sun), 10/10 (Sat).
        builtin(
            2026,
            &[
                ((1, 1), (1, 3)),
                ((2, 15), (2, 23)),
                ((4, 4), (4, 6)),
                ((5, 1), (5, 5)),
                ((6, 19), (6, 21)),
                ((9, 25), (9, 27)),
                ((10, 1), (10, 7)),
            ],
            &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn sorts_both_lists() {
        let t = HolidayTable::new(
            2030,
            vec![d(2030, 5, 2), d(2030, 1, 1)],
            vec![d(2030, 4, 28), d(2030, 2, 9)],
        )
        .unwrap();
        assert_eq!(t.holidays(), &[d(2030, 1, 1), d(2030, 5, 2)]);
        assert_eq!(t.makeup_workdays(), &[d(2030, 2, 9), d(2030, 4, 28)]);
        assert_eq!(t.year(), 2030);
    }

    #[test]
    fn date_outside_year_is_named() {
        let err = HolidayTable::new(2026, vec![d(2026, 1, 1), d(2027, 1, 1)], vec![]).unwrap_err();
        assert_eq!(
            err,
            CalendarError::DateOutsideYear {
                year: 2026,
                date: d(2027, 1, 1)
            }
        );
        assert_eq!(err.date(), Some(d(2027, 1, 1)));
        assert_eq!(
            err.to_string(),
            "date 2027-01-01 is outside the table's year 2026"
        );
        let err = HolidayTable::new(2026, vec![], vec![d(2025, 12, 27)]).unwrap_err();
        assert_eq!(err.date(), Some(d(2025, 12, 27)));
    }

    #[test]
    fn duplicate_within_a_list() {
        let err = HolidayTable::new(
            2026,
            vec![d(2026, 10, 2), d(2026, 10, 1), d(2026, 10, 2)],
            vec![],
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::DuplicateDate {
                date: d(2026, 10, 2)
            }
        );
        let err =
            HolidayTable::new(2026, vec![], vec![d(2026, 2, 14), d(2026, 2, 14)]).unwrap_err();
        assert_eq!(
            err,
            CalendarError::DuplicateDate {
                date: d(2026, 2, 14)
            }
        );
    }

    #[test]
    fn holiday_and_makeup_overlap() {
        // 2026-02-15 is a Sunday: a valid make-up day on its own, but also a holiday.
        let err = HolidayTable::new(2026, vec![d(2026, 2, 15)], vec![d(2026, 2, 15)]).unwrap_err();
        assert_eq!(
            err,
            CalendarError::DuplicateDate {
                date: d(2026, 2, 15)
            }
        );
        assert_eq!(err.date(), Some(d(2026, 2, 15)));
    }

    #[test]
    fn makeup_must_be_weekend() {
        // 2026-02-13 is a Friday.
        let err =
            HolidayTable::new(2026, vec![], vec![d(2026, 2, 14), d(2026, 2, 13)]).unwrap_err();
        assert_eq!(
            err,
            CalendarError::MakeupNotWeekend {
                date: d(2026, 2, 13)
            }
        );
        assert_eq!(
            err.to_string(),
            "make-up working day 2026-02-13 is a Fri, not a Saturday or Sunday"
        );
    }

    #[test]
    fn weekend_holiday_is_allowed() {
        assert!(HolidayTable::new(2026, vec![d(2026, 2, 15)], vec![]).is_ok());
    }

    #[test]
    fn deserialization_validates() {
        let raw = RawHolidayTable {
            year: 2026,
            holidays: vec![d(2026, 1, 3)],
            makeup_workdays: vec![d(2026, 1, 3)],
        };
        assert_eq!(
            HolidayTable::try_from(raw).unwrap_err(),
            CalendarError::DuplicateDate {
                date: d(2026, 1, 3)
            }
        );
    }
}
