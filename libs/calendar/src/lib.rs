//! Working-day calendar (工作日历) and statutory time-limit clock (法定时限时钟)
//! for government service centres in China.
//!
//! Working days follow the Chinese calendar in Asia/Shanghai: weekends off,
//! public holidays off, make-up working days (调休) on, from yearly
//! [`HolidayTable`]s (data, not code). [`WorkCalendar`] counts days and
//! working time; [`StatutoryClock`] tracks one application's limit with pauses
//! (补正, 特别程序) and extensions (延期).
//!
//! The deadline rules are written down once, in the [`calendar`] module docs;
//! the clock's model in the [`clock`] module docs.

pub mod calendar;
pub mod clock;
mod error;
mod hours;
pub mod provisional;
mod table;
mod year;

pub use calendar::{local_date, local_midnight, Fallback, WorkCalendar, MAX_LIMIT_DAYS, TIME_ZONE};
pub use clock::{ClockStatus, LimitUnit, Pause, PauseReason, StatutoryClock, WarnRule};
pub use error::{CalendarError, ClockProblem};
pub use hours::OfficeHours;
pub use table::{builtin_tables, HolidayTable};
