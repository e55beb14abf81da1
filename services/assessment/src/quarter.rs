//! Quarters (季度) in Asia/Shanghai: boundaries and parsing.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use platform::ApiError;

pub use calendar::{local_date, local_midnight as midnight};

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1..=4
    pub q: u8,
}

impl Quarter {
    pub fn new(year: i32, q: i64) -> Result<Self, ApiError> {
        if !(2000..=2100).contains(&year) {
            return Err(ApiError::validation(
                "year",
                format!("{year} is outside 2000–2100"),
            ));
        }
        if !(1..=4).contains(&q) {
            return Err(ApiError::validation(
                "quarter",
                format!("{q} is not a quarter (1–4)"),
            ));
        }
        Ok(Quarter { year, q: q as u8 })
    }

    pub fn of(t: DateTime<Utc>) -> Self {
        let d = t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        Quarter {
            year: d.year(),
            q: ((d.month() - 1) / 3 + 1) as u8,
        }
    }

    pub fn previous(self) -> Self {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }

    /// `[start, end)` in UTC.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let next = if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        };
        (midnight(self.first_day()), midnight(next.first_day()))
    }

    pub fn contains(self, t: DateTime<Utc>) -> bool {
        let (a, b) = self.bounds();
        t >= a && t < b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_follow_shanghai_dates() {
        let t = DateTime::parse_from_rfc3339("2026-03-31T23:30:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Quarter::of(t), Quarter { year: 2026, q: 1 });
        let t = DateTime::parse_from_rfc3339("2026-03-31T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Quarter::of(t),
            Quarter { year: 2026, q: 2 },
            "00:30 on 1 April in Shanghai"
        );
        let (a, b) = Quarter { year: 2026, q: 4 }.bounds();
        assert_eq!(a.to_rfc3339(), "2026-09-30T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert_eq!(
            Quarter { year: 2026, q: 1 }.previous(),
            Quarter { year: 2025, q: 4 }
        );
        assert!(Quarter::new(2026, 5).is_err() && Quarter::new(1999, 1).is_err());
    }
}
