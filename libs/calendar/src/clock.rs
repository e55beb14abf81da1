//! The statutory time-limit clock (法定时限时钟) of one application.
//!
//! # Model
//!
//! The deadline rules themselves (working days, office hours, "the day of
//! acceptance is not counted", 即办件) are in the
//! [calendar module docs](crate::calendar); this is how the clock applies
//! them to an application that can be paused and extended. `n` below is the
//! limit *including* extensions ([`StatutoryClock::limit_days`]).
//!
//! * **Counting start (`count_from`) and budget.** The clock consumes time
//!   from `count_from` on, until it has used up its budget:
//!   * [`LimitUnit::WorkingDays`], `n >= 1`: `count_from` is the office close
//!     of the local date of `started_at` ([`WorkCalendar::close_of`]), or
//!     `started_at` itself if that is later (acceptance after hours: there is
//!     no working time between the two, so nothing changes). The budget is
//!     exactly `n` full working days, `n` ×
//!     [`OfficeHours::day_length`](crate::OfficeHours::day_length).
//!     Since there is no working time between that close and the next working
//!     day's opening, this is "day 1 starts at the opening of the first
//!     working day after the acceptance date": the acceptance day
//!     (期间开始的当日) is not counted at all, and a pause on it — or the part
//!     of a longer pause that falls on it — consumes and moves nothing.
//!     Without pauses the due moment is exactly
//!     [`WorkCalendar::deadline`]`(started_at, n)`.
//!   * [`LimitUnit::WorkingDays`], `n = 0` (即办件, same-day items): the
//!     acceptance day is the only day there is, so `count_from` is
//!     `started_at` and the budget is the working time from `started_at` to
//!     [`WorkCalendar::deadline`]`(started_at, 0)` (the rest of the
//!     acceptance day's office hours, or the next working day if nothing is
//!     left). A pause on the acceptance day moves such an item.
//!   * [`LimitUnit::NaturalDays`], `n >= 1`: the due moment without pauses is
//!     the local office close of the start date plus `n` calendar days.
//!     The acceptance day is not counted here either, by the same rule
//!     applied to wall-clock time: `count_from` is local midnight at the end
//!     of the acceptance date, and the budget is the wall-clock time from it
//!     to that close (`n - 1` days plus the close's time of day, e.g.
//!     `n - 1` days and 17 h; the due moment without pauses is the same as
//!     before this rule). Only the part of a pause after that midnight
//!     counts.
//!   * [`LimitUnit::NaturalDays`], `n = 0`: `count_from` is `started_at`, the
//!     due moment without pauses the same day's close, the budget the
//!     wall-clock time up to it (zero if it has already passed at the start).
//! * **Extensions (延期)** add days to `n`, so for a limit of at least one day
//!   they add that many full days (working days of office hours, or 24 h) to
//!   the budget, and without pauses the clock is due at the deadline of the
//!   extended limit. Extending a 即办件 (`n = 0`) turns it into an `n >= 1`
//!   clock, counted from the acceptance day's close like any other. The law
//!   allows one extension, the workflow enforces that; the clock accepts
//!   several.
//! * **Consumption.** Working time (or wall time, for natural days) after
//!   `count_from` and outside pauses. Time stopped for supplement (补正) or a
//!   special procedure (特别程序: hearing, expert review, testing) does not
//!   count (Administrative Licensing Law arts. 42, 45). A pause that begins
//!   and ends outside office hours of working days (e.g. over a holiday)
//!   consumes nothing and moves nothing; a pause covering office hours after
//!   `count_from` moves the due moment by exactly the working time it covered
//!   there.
//! * **`due_at`.** The earliest moment at which the consumed time reaches the
//!   budget, walking forward from `count_from` and skipping the pauses. While
//!   the clock is paused it is `None` (no due moment while the clock is
//!   stopped) — unless the budget was already used up before the current
//!   pause began: that due moment lies in the past and is returned, so a
//!   pause cannot hide an overdue item.
//! * **`warn_at`.** The moment the consumed time (from `count_from`) reaches
//!   the warning budget: `num/den` of the budget for [`WarnRule::Fraction`]
//!   (default 2/3), or for [`WarnRule::DaysBefore`]`(k)` the budget less `k`
//!   full days (working days of office hours, or 24 h days) — without pauses
//!   the deadline computed with `n - k` for working days — clamped at zero,
//!   i.e. at `count_from` (so `k >= n` warns at `count_from`). Same `None`
//!   rule as `due_at`.
//! * **Status.** `elapsed_working_seconds` is the time consumed in
//!   `[count_from, now)` outside pauses (0 on the acceptance day of an
//!   `n >= 1` clock), `remaining_working_seconds` the budget minus that.
//!   Overdue means `now` is strictly after `due_at` (wall clock), so an item
//!   is red from the evening of its last day, while `remaining_working_seconds`
//!   only turns negative when working time runs again. `overdue_working_days`
//!   counts the days in `(local date of due_at, local date of now]` in the
//!   clock's unit (working days, or calendar days for natural-day clocks).

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{from_local, local_date, MAX_LIMIT_DAYS};
use crate::{CalendarError, ClockProblem, WorkCalendar};

/// Unit of a statutory limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// 工作日: counted on the [`WorkCalendar`].
    WorkingDays,
    /// 自然日: calendar days.
    NaturalDays,
}

/// When to raise the warning (预警) before the due moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarnRule {
    /// When `num/den` of the budget is used (default 2/3). `den > 0`, `num <= den`.
    Fraction { num: u32, den: u32 },
    /// This many days (in the clock's unit) before the due moment.
    DaysBefore(u32),
}

impl Default for WarnRule {
    fn default() -> Self {
        Self::Fraction { num: 2, den: 3 }
    }
}

/// Where the clock starts counting and how much it may consume from there;
/// see the [module docs](self).
#[derive(Clone, Copy, Debug)]
struct Budget {
    /// `count_from`.
    from: DateTime<Utc>,
    time: TimeDelta,
}

/// Why the clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// 补正: waiting for the applicant to supplement materials.
    Supplement,
    /// 听证: hearing.
    Hearing,
    /// 专家评审: expert review.
    ExpertReview,
    /// 检验检测: testing.
    Testing,
    Other,
}

/// A stopped interval `[from, to)`; `to = None` while still paused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    pub reason: PauseReason,
}

/// A snapshot of the clock at `now`; see the [module docs](self).
///
/// For natural-day clocks the "working" seconds and days are wall-clock
/// seconds and calendar days. Seconds are truncated toward zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// `None` while paused, unless the budget ran out before the pause.
    pub due_at: Option<DateTime<Utc>>,
    /// `None` while paused, unless reached before the pause.
    pub warn_at: Option<DateTime<Utc>>,
    /// Budget consumed in `[count_from, now)` outside pauses (see the
    /// [module docs](self) for `count_from`).
    pub elapsed_working_seconds: i64,
    /// Budget minus consumed; negative once working time runs past the due moment.
    pub remaining_working_seconds: i64,
    /// `now` is strictly after `due_at`.
    pub overdue: bool,
    /// Days in `(local date of due_at, local date of now]`, 0 unless overdue.
    pub overdue_working_days: u32,
    pub paused: bool,
}

/// The statutory clock of one application; see the [module docs](self).
///
/// Pauses are kept in order and non-overlapping; deserialization checks this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawClock")]
pub struct StatutoryClock {
    started_at: DateTime<Utc>,
    limit: u32,
    unit: LimitUnit,
    extensions: Vec<u32>,
    pauses: Vec<Pause>,
    warn: WarnRule,
}

#[derive(Deserialize)]
struct RawClock {
    started_at: DateTime<Utc>,
    limit: u32,
    unit: LimitUnit,
    extensions: Vec<u32>,
    pauses: Vec<Pause>,
    warn: WarnRule,
}

impl TryFrom<RawClock> for StatutoryClock {
    type Error = CalendarError;
    fn try_from(raw: RawClock) -> Result<Self, Self::Error> {
        let mut clock = Self::start(raw.started_at, raw.limit, raw.unit, raw.warn);
        for days in raw.extensions {
            clock.extend(days)?;
        }
        for p in raw.pauses {
            clock.pause(p.from, p.reason)?;
            if let Some(to) = p.to {
                clock.resume(to)?;
            }
        }
        Ok(clock)
    }
}

fn clock_err(problem: ClockProblem, at: DateTime<Utc>) -> CalendarError {
    CalendarError::ClockState { problem, at }
}

fn limit_err(what: &'static str, value: i64, min: i64, max: i64) -> CalendarError {
    CalendarError::InvalidLimit {
        what,
        value,
        min,
        max,
    }
}

impl StatutoryClock {
    /// Starts a clock at acceptance (受理) with a limit of `limit_days`.
    pub fn start(
        started_at: DateTime<Utc>,
        limit_days: u32,
        unit: LimitUnit,
        warn: WarnRule,
    ) -> Self {
        Self {
            started_at,
            limit: limit_days,
            unit,
            extensions: Vec::new(),
            pauses: Vec::new(),
            warn,
        }
    }

    /// Stops the clock at `at`. Refused if already paused, before the start,
    /// or before the end of the previous pause.
    pub fn pause(&mut self, at: DateTime<Utc>, reason: PauseReason) -> Result<(), CalendarError> {
        if self.is_paused() {
            return Err(clock_err(ClockProblem::AlreadyPaused, at));
        }
        if at < self.started_at {
            return Err(clock_err(ClockProblem::BeforeStart, at));
        }
        if self
            .pauses
            .last()
            .and_then(|p| p.to)
            .is_some_and(|to| at < to)
        {
            return Err(clock_err(ClockProblem::BeforeLastPause, at));
        }
        self.pauses.push(Pause {
            from: at,
            to: None,
            reason,
        });
        Ok(())
    }

    /// Restarts the clock at `at`. Refused if not paused or before the pause began.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<(), CalendarError> {
        match self.pauses.last_mut() {
            Some(p) if p.to.is_none() => {
                if at < p.from {
                    return Err(clock_err(ClockProblem::BeforePauseStart, at));
                }
                p.to = Some(at);
                Ok(())
            }
            _ => Err(clock_err(ClockProblem::NotPaused, at)),
        }
    }

    /// Extends the limit by `days` (延期). Refused for 0 days or a total
    /// limit above [`MAX_LIMIT_DAYS`].
    /// 重新计时: end the open pause at `at` and count the whole limit again from `at`, as if the
    /// application were accepted then (the day of `at` is not counted, like an acceptance
    /// day); extensions already granted are kept. Refused like [`Self::resume`] when the clock
    /// is not paused or `at` is before the pause began.
    pub fn restart(&mut self, at: DateTime<Utc>) -> Result<(), CalendarError> {
        let mut probe = self.clone();
        probe.resume(at)?;
        let mut fresh = Self::start(at, self.base_limit_days(), self.unit(), self.warn_rule());
        for days in self.extensions() {
            fresh.extend(*days)?;
        }
        *self = fresh;
        Ok(())
    }

    pub fn extend(&mut self, days: u32) -> Result<(), CalendarError> {
        let total = u64::from(self.limit_days()) + u64::from(days);
        if days == 0 || total > u64::from(MAX_LIMIT_DAYS) {
            let max = i64::from(MAX_LIMIT_DAYS) - i64::from(self.limit_days());
            return Err(limit_err("extension in days", i64::from(days), 1, max));
        }
        self.extensions.push(days);
        Ok(())
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.to.is_none())
    }

    pub fn pauses(&self) -> &[Pause] {
        &self.pauses
    }

    /// The limit including extensions (saturating).
    pub fn limit_days(&self) -> u32 {
        self.extensions
            .iter()
            .fold(self.limit, |sum, d| sum.saturating_add(*d))
    }

    /// The limit without extensions.
    pub fn base_limit_days(&self) -> u32 {
        self.limit
    }

    pub fn extensions(&self) -> &[u32] {
        &self.extensions
    }

    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    pub fn unit(&self) -> LimitUnit {
        self.unit
    }

    pub fn warn_rule(&self) -> WarnRule {
        self.warn
    }

    /// The due moment; `None` while paused (see the [module docs](self)).
    pub fn due_at(&self, cal: &WorkCalendar) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let budget = self.budget(cal)?;
        let due = self.reach(cal, budget.from, budget.time)?;
        self.last_day_rule(cal, due)
    }

    /// 民法典 第二百零三条: when the last day of a period counted in natural days is a rest day
    /// (a weekend or public holiday), the period ends on the next working day; the office
    /// close stays the end of that day. Working-day limits end on working days already.
    fn last_day_rule(
        &self,
        cal: &WorkCalendar,
        due: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        match (self.unit, due) {
            (LimitUnit::NaturalDays, Some(t)) if self.checked_limit()? >= 1 => {
                let day = local_date(t);
                if cal.is_working_day(day)? {
                    Ok(Some(t))
                } else {
                    Ok(Some(cal.close_of(cal.next_working_day(day)?)))
                }
            }
            _ => Ok(due),
        }
    }

    /// The warning moment; `None` while paused (see the [module docs](self)).
    pub fn warn_at(&self, cal: &WorkCalendar) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let budget = self.budget(cal)?;
        let target = self.warn_budget(cal, budget.time)?;
        self.reach(cal, budget.from, target)
    }

    /// Snapshot at `now`.
    pub fn status(
        &self,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<ClockStatus, CalendarError> {
        let budget = self.budget(cal)?;
        let due_at = self.last_day_rule(cal, self.reach(cal, budget.from, budget.time)?)?;
        let warn_at = self.reach(cal, budget.from, self.warn_budget(cal, budget.time)?)?;
        let used = self.consumed_until(cal, budget.from, now)?;
        let overdue = due_at.is_some_and(|due| now > due);
        let overdue_working_days = match due_at {
            Some(due) if overdue => {
                let (from, to) = (local_date(due), local_date(now));
                match self.unit {
                    LimitUnit::WorkingDays => cal.working_days_between(from, to)?,
                    LimitUnit::NaturalDays => {
                        u32::try_from((to - from).num_days()).unwrap_or(u32::MAX)
                    }
                }
            }
            _ => 0,
        };
        Ok(ClockStatus {
            due_at,
            warn_at,
            elapsed_working_seconds: used.num_seconds(),
            remaining_working_seconds: (budget.time - used).num_seconds(),
            overdue,
            overdue_working_days,
            paused: self.is_paused(),
        })
    }

    fn checked_limit(&self) -> Result<u32, CalendarError> {
        let total = self
            .extensions
            .iter()
            .fold(u64::from(self.limit), |sum, d| sum + u64::from(*d));
        if total > u64::from(MAX_LIMIT_DAYS) {
            let value = i64::try_from(total).unwrap_or(i64::MAX);
            return Err(limit_err(
                "limit in days",
                value,
                0,
                i64::from(MAX_LIMIT_DAYS),
            ));
        }
        Ok(self.limit_days())
    }

    /// `count_from` and the time the clock may consume from there before it
    /// is due (see the [module docs](self)).
    fn budget(&self, cal: &WorkCalendar) -> Result<Budget, CalendarError> {
        let n = self.checked_limit()?;
        let start = self.started_at;
        let day = local_date(start);
        match (self.unit, n) {
            (LimitUnit::WorkingDays, 0) => Ok(Budget {
                from: start,
                time: cal.working_time_to_deadline(start, 0)?,
            }),
            (LimitUnit::WorkingDays, n) => {
                cal.hours().validate()?;
                Ok(Budget {
                    from: cal.close_of(day).max(start),
                    time: TimeDelta::seconds(i64::from(n) * cal.hours().seconds_per_day()),
                })
            }
            (LimitUnit::NaturalDays, n) => {
                cal.hours().validate()?;
                let too_far = || limit_err("limit in days", i64::from(n), 0, 0);
                let last = day
                    .checked_add_days(Days::new(u64::from(n)))
                    .ok_or_else(too_far)?;
                let from = if n == 0 {
                    start
                } else {
                    // Local midnight at the end of the acceptance date.
                    let next = day.succ_opt().ok_or_else(too_far)?;
                    from_local(next.and_time(NaiveTime::MIN))
                };
                Ok(Budget {
                    from,
                    time: (cal.close_of(last) - from).max(TimeDelta::zero()),
                })
            }
        }
    }

    /// One day of budget in the clock's unit.
    fn day(&self, cal: &WorkCalendar) -> TimeDelta {
        match self.unit {
            LimitUnit::WorkingDays => cal.hours().day_length(),
            LimitUnit::NaturalDays => TimeDelta::days(1),
        }
    }

    fn warn_budget(
        &self,
        cal: &WorkCalendar,
        budget: TimeDelta,
    ) -> Result<TimeDelta, CalendarError> {
        match self.warn {
            WarnRule::Fraction { num, den } => {
                if den == 0 || num > den {
                    let (value, min, max) = if den == 0 {
                        (0, 1, i64::from(u32::MAX))
                    } else {
                        (i64::from(num), 0, i64::from(den))
                    };
                    let what = if den == 0 {
                        "warning fraction denominator"
                    } else {
                        "warning fraction numerator"
                    };
                    return Err(limit_err(what, value, min, max));
                }
                let ns = i128::from(budget.num_nanoseconds().unwrap_or(i64::MAX));
                let part = ns * i128::from(num) / i128::from(den);
                Ok(TimeDelta::nanoseconds(
                    i64::try_from(part).unwrap_or(i64::MAX),
                ))
            }
            WarnRule::DaysBefore(k) => {
                let k = i32::try_from(k.min(MAX_LIMIT_DAYS)).unwrap_or(0);
                Ok((budget - self.day(cal) * k).max(TimeDelta::zero()))
            }
        }
    }

    /// Time the clock consumes in `[a, b)` when running.
    fn measure(
        &self,
        cal: &WorkCalendar,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        match self.unit {
            LimitUnit::WorkingDays => cal.working_time(a, b),
            LimitUnit::NaturalDays => Ok((b - a).max(TimeDelta::zero())),
        }
    }

    fn advance(
        &self,
        cal: &WorkCalendar,
        from: DateTime<Utc>,
        time: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        match self.unit {
            LimitUnit::WorkingDays => cal.advance_working(from, time),
            LimitUnit::NaturalDays => from
                .checked_add_signed(time)
                .ok_or_else(|| limit_err("limit in days", time.num_days(), 0, 0)),
        }
    }

    /// The moment consumption counted from `from` (`count_from`) reaches
    /// `target`; `None` if a still-open pause comes first. Pauses (or their
    /// parts) before `from` measure nothing.
    fn reach(
        &self,
        cal: &WorkCalendar,
        from: DateTime<Utc>,
        target: TimeDelta,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let mut cursor = from;
        let mut rest = target;
        for p in &self.pauses {
            let avail = self.measure(cal, cursor, p.from)?;
            if rest <= avail {
                return self.advance(cal, cursor, rest).map(Some);
            }
            rest -= avail;
            match p.to {
                Some(to) => cursor = cursor.max(to),
                None => return Ok(None),
            }
        }
        self.advance(cal, cursor, rest).map(Some)
    }

    /// Time consumed in `[from, now)` outside pauses (`from` is `count_from`).
    fn consumed_until(
        &self,
        cal: &WorkCalendar,
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        let mut used = TimeDelta::zero();
        let mut cursor = from;
        for p in &self.pauses {
            if now <= p.from {
                break;
            }
            used += self.measure(cal, cursor, p.from)?;
            match p.to {
                Some(to) => cursor = cursor.max(to),
                None => return Ok(used),
            }
        }
        Ok(used + self.measure(cal, cursor, now)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn raw(pauses: Vec<Pause>, extensions: Vec<u32>) -> RawClock {
        RawClock {
            started_at: at(1),
            limit: 5,
            unit: LimitUnit::WorkingDays,
            extensions,
            pauses,
            warn: WarnRule::default(),
        }
    }

    fn pause(from: u32, to: Option<u32>) -> Pause {
        Pause {
            from: at(from),
            to: to.map(at),
            reason: PauseReason::Supplement,
        }
    }

    #[test]
    fn stored_clock_is_validated() {
        let ok = StatutoryClock::try_from(raw(vec![pause(2, Some(3)), pause(4, None)], vec![3]));
        let ok = ok.unwrap();
        assert!(ok.is_paused());
        assert_eq!(ok.limit_days(), 8);
        let overlap = raw(vec![pause(2, Some(5)), pause(4, Some(6))], vec![]);
        assert_eq!(
            StatutoryClock::try_from(overlap).unwrap_err(),
            clock_err(ClockProblem::BeforeLastPause, at(4))
        );
        let open_first = raw(vec![pause(2, None), pause(4, Some(6))], vec![]);
        assert_eq!(
            StatutoryClock::try_from(open_first).unwrap_err(),
            clock_err(ClockProblem::AlreadyPaused, at(4))
        );
        let backwards = raw(vec![pause(4, Some(2))], vec![]);
        assert_eq!(
            StatutoryClock::try_from(backwards).unwrap_err(),
            clock_err(ClockProblem::BeforePauseStart, at(2))
        );
        let before_start = raw(vec![pause(0, Some(2))], vec![]);
        assert!(StatutoryClock::try_from(before_start).is_err());
        assert!(StatutoryClock::try_from(raw(vec![], vec![3646])).is_err());
    }
}
