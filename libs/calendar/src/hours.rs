//! Office hours (办公时间): the boundary of a working day.

use chrono::{NaiveTime, TimeDelta, Timelike};
use serde::{Deserialize, Serialize};

use crate::CalendarError;

/// Local (Asia/Shanghai) opening and closing time of a working day.
///
/// Working time is `[open, close)` of each working day; a deadline falls on
/// `close` (see the module docs of [`calendar`](crate::calendar)).
/// Default: 09:00–17:00. Deserialization validates like [`OfficeHours::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawOfficeHours")]
pub struct OfficeHours {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

#[derive(Deserialize)]
struct RawOfficeHours {
    open: NaiveTime,
    close: NaiveTime,
}

impl TryFrom<RawOfficeHours> for OfficeHours {
    type Error = CalendarError;
    fn try_from(raw: RawOfficeHours) -> Result<Self, Self::Error> {
        Self::new(raw.open, raw.close)
    }
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            open: NaiveTime::MIN + TimeDelta::hours(9),
            close: NaiveTime::MIN + TimeDelta::hours(17),
        }
    }
}

impl OfficeHours {
    /// Office hours `open..close`; refused unless `open < close`, both on whole seconds.
    pub fn new(open: NaiveTime, close: NaiveTime) -> Result<Self, CalendarError> {
        let hours = Self { open, close };
        hours.validate()?;
        Ok(hours)
    }

    /// Checks the invariant of [`OfficeHours::new`] (the fields are public).
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.open < self.close && self.open.nanosecond() == 0 && self.close.nanosecond() == 0 {
            Ok(())
        } else {
            Err(CalendarError::InvalidOfficeHours {
                open: self.open,
                close: self.close,
            })
        }
    }

    /// Length of one working day (e.g. 8 h).
    pub fn day_length(&self) -> TimeDelta {
        self.close - self.open
    }

    /// Length of one working day in seconds (e.g. 28 800).
    pub fn seconds_per_day(&self) -> i64 {
        self.day_length().num_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn default_is_nine_to_five() {
        let h = OfficeHours::default();
        assert_eq!((h.open, h.close), (t(9, 0), t(17, 0)));
        assert_eq!(h.seconds_per_day(), 8 * 3600);
    }

    #[test]
    fn open_must_precede_close() {
        assert!(OfficeHours::new(t(8, 30), t(17, 30)).is_ok());
        let err = OfficeHours::new(t(17, 0), t(9, 0)).unwrap_err();
        assert_eq!(
            err,
            CalendarError::InvalidOfficeHours {
                open: t(17, 0),
                close: t(9, 0)
            }
        );
        assert!(OfficeHours::new(t(9, 0), t(9, 0)).is_err());
        let frac = NaiveTime::from_hms_milli_opt(9, 0, 0, 500).unwrap();
        assert!(OfficeHours::new(frac, t(17, 0)).is_err());
        let raw = RawOfficeHours {
            open: t(12, 0),
            close: t(11, 0),
        };
        assert!(OfficeHours::try_from(raw).is_err());
    }
}
