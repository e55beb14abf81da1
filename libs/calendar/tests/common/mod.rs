// Shared helpers for the integration tests (included with `mod common;`).
#![allow(dead_code)]

use calendar::{builtin_tables, Fallback, OfficeHours, WorkCalendar};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A moment given in Beijing time (+08:00).
pub fn bj(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, day, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
}

pub fn cal() -> WorkCalendar {
    WorkCalendar::builtin()
}

/// Built-in tables, but years without a table are weekends-only.
pub fn lenient() -> WorkCalendar {
    WorkCalendar::new(
        builtin_tables(),
        OfficeHours::default(),
        Fallback::WeekendsOnly,
    )
}

pub const HOUR: i64 = 3600;
