//! Errors of the working-day calendar (工作日历).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use thiserror::Error;

/// Everything this crate can refuse.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// A holiday table lists a date of another year.
    #[error("date {date} is outside the table's year {year}")]
    DateOutsideYear { year: i32, date: NaiveDate },
    /// A date is listed twice, or is both a holiday and a make-up working day
    /// (the table overlaps itself).
    #[error(
        "date {date} is listed more than once in the holiday table (the table overlaps itself)"
    )]
    DuplicateDate { date: NaiveDate },
    /// A make-up working day (调休上班日) must be a Saturday or Sunday.
    #[error("make-up working day {date} is a {}, not a Saturday or Sunday", .date.weekday())]
    MakeupNotWeekend { date: NaiveDate },
    /// No holiday table covers the year and the fallback is [`Fallback::Error`](crate::Fallback::Error).
    #[error("no holiday table covers the year {year}")]
    YearNotCovered { year: i32 },
    /// Office hours must open before they close, on whole seconds.
    #[error(
        "invalid office hours {open}-{close}: opening must be before closing, on whole seconds"
    )]
    InvalidOfficeHours { open: NaiveTime, close: NaiveTime },
    /// A number of days, seconds or a fraction outside what the calendar accepts.
    #[error("invalid {what}: {value} (allowed {min}..={max})")]
    InvalidLimit {
        what: &'static str,
        value: i64,
        min: i64,
        max: i64,
    },
    /// A [`StatutoryClock`](crate::StatutoryClock) operation that its state forbids.
    #[error("statutory clock refused at {at}: {problem}")]
    ClockState {
        problem: ClockProblem,
        at: DateTime<Utc>,
    },
}

impl CalendarError {
    /// The offending date, for error messages naming it.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::DateOutsideYear { date, .. }
            | Self::DuplicateDate { date }
            | Self::MakeupNotWeekend { date } => Some(*date),
            _ => None,
        }
    }
}

/// Why a [`StatutoryClock`](crate::StatutoryClock) refused a pause or resume
/// (a stored clock is validated by replaying its pauses, so the same reasons
/// apply to deserialization).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockProblem {
    /// Pause while the clock is already paused.
    AlreadyPaused,
    /// Resume while the clock is running.
    NotPaused,
    /// Pause before the clock started.
    BeforeStart,
    /// Pause before the end of the previous pause.
    BeforeLastPause,
    /// Resume before the pause began.
    BeforePauseStart,
}

impl fmt::Display for ClockProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AlreadyPaused => "the clock is already paused",
            Self::NotPaused => "the clock is not paused",
            Self::BeforeStart => "a pause cannot begin before the clock started",
            Self::BeforeLastPause => "a pause cannot begin before the previous pause ended",
            Self::BeforePauseStart => "a pause cannot end before it began",
        })
    }
}
