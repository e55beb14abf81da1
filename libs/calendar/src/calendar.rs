//! The working-day calendar (工作日历) and its deadline rules.
//!
//! # Deadline semantics
//!
//! This section is the one place the rules are written down; the rest of the
//! crate refers to it.
//!
//! * **Time zone.** Moments are stored in UTC; days are local dates in
//!   Asia/Shanghai ([`TIME_ZONE`]). Office hours are local wall-clock times.
//! * **Working day (工作日).** Monday to Friday, minus the public holidays of
//!   the year's [`HolidayTable`], plus its make-up working days (调休上班日,
//!   a worked Saturday or Sunday). A year without a table follows the
//!   [`Fallback`]: an error ([`CalendarError::YearNotCovered`]) or
//!   weekends-only. A year's table is only consulted when a day of that year
//!   matters to the answer.
//! * **Working time.** The half-open office hours `[open, close)` of each
//!   working day ([`OfficeHours`], default 09:00–17:00), measured on the
//!   local wall clock. A moment exactly at `close` is outside office hours.
//! * **The day of acceptance is not counted** (期间开始的当日不计算在内).
//!   [`WorkCalendar::deadline`]`(t, n)` for `n >= 1` is the local `close` of
//!   the `n`-th working day strictly after the local date of `t`, as UTC.
//!   Acceptance on a holiday or after hours does not change the rule: the
//!   next working day is day 1. Nothing of the acceptance day counts, so
//!   for [`StatutoryClock`](crate::StatutoryClock) a pause on the acceptance
//!   day does not move the due moment; how the clock counts (from the close
//!   of the acceptance date, a budget of `n` full working days, pauses,
//!   extensions, warnings) is written down in the
//!   [clock module docs](crate::clock#model).
//! * **`n = 0` (即办件, same-day items).** The `close` of the acceptance day
//!   if it is a working day and `t` is before `close`; otherwise the `close`
//!   of the next working day.
//! * **Day counts.** [`WorkCalendar::add_working_days`]`(d, n)` is the `n`-th
//!   working day strictly after `d` (`n = 0`: `d` if working, else the next
//!   working day); [`WorkCalendar::working_days_between`]`(from, to)` counts
//!   the working days in `(from, to]`, so the two round-trip for `n >= 1`.
//! * **Working seconds.** [`WorkCalendar::working_seconds_between`]`(a, b)`
//!   is the working time inside `[a, b)`;
//!   [`WorkCalendar::advance_working_seconds`]`(from, s)` is the earliest
//!   moment `m >= from` with exactly `s` working seconds in `[from, m)`. It
//!   lands on a day's `close` (not the next opening) when the time runs out
//!   exactly there, so advancing by the working time up to a deadline returns
//!   the deadline itself.
//! * **Limits.** Day counts above [`MAX_LIMIT_DAYS`] (and working seconds
//!   above that many working days) are refused as
//!   [`CalendarError::InvalidLimit`].
//!
//! Asia/Shanghai has had no daylight-saving time since 1991; for earlier
//! dates conversions follow the tz database, and a local time that did not
//! exist is read as UTC+8.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::year::{days_in_year, YearIndex, YearView};
use crate::{builtin_tables, CalendarError, HolidayTable, OfficeHours};

/// The calendar's time zone: Asia/Shanghai.
pub const TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// Largest number of days a limit, extension or day count may have (ten years).
pub const MAX_LIMIT_DAYS: u32 = 3650;

/// What a year without a holiday table means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Refuse with [`CalendarError::YearNotCovered`] (default: a missing
    /// table is a data error, not a reason to guess).
    #[default]
    Error,
    /// Treat the year as Monday–Friday working days, no holidays.
    WeekendsOnly,
    /// Compute the year's holidays from the statutory rules ([`crate::provisional`]) and
    /// report every answer that used such a year as provisional
    /// ([`WorkCalendar::is_provisional`]).
    Provisional,
}

/// Local date (Asia/Shanghai) of a moment.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    to_local(t).date()
}

/// The moment a local date (Asia/Shanghai) begins, in UTC.
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let naive = d.and_time(NaiveTime::MIN);
    TIME_ZONE
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// Asia/Shanghai has been a fixed UTC+8 since daylight-saving time ended on
/// 1991-09-15; from 1992-01-01 (UTC, and local) on, conversions skip the tz
/// database lookup. A test checks the shortcut against chrono-tz.
const FIXED_SINCE: NaiveDateTime = match NaiveDate::from_ymd_opt(1992, 1, 1) {
    Some(d) => d.and_time(NaiveTime::MIN),
    None => NaiveDateTime::MIN,
};
const UTC8: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

/// Local wall-clock time (Asia/Shanghai) of a moment (saturating at the
/// ends of chrono's range).
pub(crate) fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    let utc = t.naive_utc();
    let offset = if utc >= FIXED_SINCE {
        UTC8
    } else {
        TIME_ZONE.offset_from_utc_datetime(&utc).fix()
    };
    match utc.checked_add_offset(offset) {
        Some(local) => local,
        None if utc >= FIXED_SINCE => NaiveDateTime::MAX,
        None => NaiveDateTime::MIN,
    }
}

/// The UTC moment of a local wall-clock time: the earliest if ambiguous, read
/// as UTC+8 if skipped by a clock change (before 1992 only); saturating at the
/// ends of chrono's range.
pub(crate) fn from_local(local: NaiveDateTime) -> DateTime<Utc> {
    let offset = if local >= FIXED_SINCE {
        UTC8
    } else {
        match TIME_ZONE.offset_from_local_datetime(&local) {
            LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix(),
            LocalResult::None => UTC8,
        }
    };
    match local.checked_sub_offset(offset) {
        Some(utc) => utc.and_utc(),
        None if local >= FIXED_SINCE => DateTime::<Utc>::MAX_UTC,
        None => DateTime::<Utc>::MIN_UTC,
    }
}

fn check_days(what: &'static str, n: u32) -> Result<(), CalendarError> {
    if n > MAX_LIMIT_DAYS {
        return Err(CalendarError::InvalidLimit {
            what,
            value: i64::from(n),
            min: 0,
            max: i64::from(MAX_LIMIT_DAYS),
        });
    }
    Ok(())
}

/// Working-day calendar: holiday tables, office hours and a fallback, in
/// Asia/Shanghai. See the [module docs](self) for the deadline semantics.
///
/// Cloning is cheap (the per-year indexes are shared).
#[derive(Clone, Debug)]
pub struct WorkCalendar {
    /// Year of `years[0]` (0 when empty).
    first_year: i32,
    /// One index per covered year, ascending by year.
    years: Arc<[YearIndex]>,
    /// With [`Fallback::Provisional`]: one index per uncovered year of
    /// [`crate::provisional::PROVISIONAL_YEARS`], ascending; empty otherwise.
    provisional: Arc<[YearIndex]>,
    hours: OfficeHours,
    fallback: Fallback,
}

impl WorkCalendar {
    /// A calendar over `tables`; a later table with the same year replaces an
    /// earlier one. Invalid `hours` (see [`OfficeHours::new`]) make every
    /// time-of-day operation return [`CalendarError::InvalidOfficeHours`].
    pub fn new(tables: Vec<HolidayTable>, hours: OfficeHours, fallback: Fallback) -> Self {
        let by_year: BTreeMap<i32, HolidayTable> =
            tables.into_iter().map(|t| (t.year(), t)).collect();
        let provisional: Arc<[YearIndex]> = if fallback == Fallback::Provisional {
            crate::provisional::PROVISIONAL_YEARS
                .filter(|y| !by_year.contains_key(y))
                .filter_map(|y| crate::provisional::provisional_table(y).ok())
                .map(YearIndex::build)
                .collect()
        } else {
            Arc::from(Vec::new())
        };
        let years: Arc<[YearIndex]> = by_year.into_values().map(YearIndex::build).collect();
        Self {
            first_year: years.first().map_or(0, |ix| ix.table().year()),
            years,
            provisional,
            hours,
            fallback,
        }
    }

    /// Whether days of `year` come from a provisional table (no published one, fallback
    /// [`Fallback::Provisional`]).
    pub fn is_provisional(&self, year: i32) -> bool {
        self.index(year).is_none() && self.provisional_index(year).is_some()
    }

    /// Whether any local date from `from` to `to` (inclusive, either order) lies in a
    /// provisional year: a moment computed over that span is provisional.
    pub fn is_provisional_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let (a, b) = (local_date(from).year(), local_date(to).year());
        (a.min(b)..=a.max(b)).any(|y| self.is_provisional(y))
    }

    /// The provisional table of `year`, if this calendar uses one for it.
    pub fn provisional_table(&self, year: i32) -> Option<&HolidayTable> {
        if self.index(year).is_some() {
            return None;
        }
        self.provisional_index(year).map(YearIndex::table)
    }

    fn provisional_index(&self, year: i32) -> Option<&YearIndex> {
        let i = self
            .provisional
            .binary_search_by_key(&year, |ix| ix.table().year())
            .ok()?;
        self.provisional.get(i)
    }

    /// The built-in 2025 and 2026 tables, 09:00–17:00, [`Fallback::Error`].
    pub fn builtin() -> Self {
        Self::new(builtin_tables(), OfficeHours::default(), Fallback::Error)
    }

    pub fn hours(&self) -> OfficeHours {
        self.hours
    }

    pub fn fallback(&self) -> Fallback {
        self.fallback
    }

    /// Years with a holiday table, ascending.
    pub fn covered_years(&self) -> Vec<i32> {
        self.tables().map(HolidayTable::year).collect()
    }

    /// The holiday table of `year`, if any.
    pub fn table(&self, year: i32) -> Option<&HolidayTable> {
        self.index(year).map(YearIndex::table)
    }

    fn tables(&self) -> impl Iterator<Item = &HolidayTable> {
        self.years.iter().map(YearIndex::table)
    }

    /// The table index of `year`: direct when the covered years are
    /// contiguous from the first, else a binary search.
    fn index(&self, year: i32) -> Option<&YearIndex> {
        let direct = usize::try_from(i64::from(year) - i64::from(self.first_year))
            .ok()
            .and_then(|i| self.years.get(i))
            .filter(|ix| ix.table().year() == year);
        direct.or_else(|| {
            let i = self
                .years
                .binary_search_by_key(&year, |ix| ix.table().year())
                .ok()?;
            self.years.get(i)
        })
    }

    fn view(&self, year: i32) -> Result<YearView<'_>, CalendarError> {
        match (self.index(year), self.fallback) {
            (Some(ix), _) => Ok(YearView::Table(ix)),
            (None, Fallback::WeekendsOnly) => YearView::weekends_only(year),
            (None, Fallback::Provisional) => self
                .provisional_index(year)
                .map(YearView::Table)
                .ok_or(CalendarError::YearNotCovered { year }),
            (None, Fallback::Error) => Err(CalendarError::YearNotCovered { year }),
        }
    }

    /// Whether `d` is a working day (工作日).
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.view(d.year())?.is_working(d.ordinal0()))
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.nth_after(d, 1)
    }

    /// The `n`-th working day strictly after `d`; `n = 0`: `d` itself if it is
    /// a working day, else the next working day.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        check_days("number of working days", n)?;
        if n == 0 {
            return if self.is_working_day(d)? {
                Ok(d)
            } else {
                self.nth_after(d, 1)
            };
        }
        self.nth_after(d, n)
    }

    /// `n >= 1`: the `n`-th working day strictly after `d`, O(1) per year crossed.
    fn nth_after(&self, d: NaiveDate, mut n: u32) -> Result<NaiveDate, CalendarError> {
        let (mut year, mut o) = (d.year(), d.ordinal0() + 1);
        if o >= days_in_year(year) {
            year += 1;
            o = 0;
        }
        loop {
            let view = self.view(year)?;
            let base = view.before(o);
            let avail = view.total() - base;
            if n <= avail {
                return NaiveDate::from_yo_opt(year, view.nth(base + n) + 1)
                    .ok_or(CalendarError::YearNotCovered { year });
            }
            n -= avail;
            year += 1;
            o = 0;
        }
    }

    /// Working days in `(from, to]`; 0 if `to <= from`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        match from.succ_opt() {
            Some(first) if to > from => self.count_inclusive(first, to),
            _ => Ok(0),
        }
    }

    /// Working days in `[a, b]`, `a <= b`.
    fn count_inclusive(&self, a: NaiveDate, b: NaiveDate) -> Result<u32, CalendarError> {
        let mut sum = 0;
        for year in a.year()..=b.year() {
            let view = self.view(year)?;
            let lo = if year == a.year() { a.ordinal0() } else { 0 };
            let hi = if year == b.year() {
                b.ordinal0() + 1
            } else {
                view.len()
            };
            sum += view.before(hi) - view.before(lo);
        }
        Ok(sum)
    }

    /// A local time of day clamped into `[open, close]`.
    fn clip(&self, t: NaiveTime) -> NaiveTime {
        t.clamp(self.hours.open, self.hours.close)
    }

    fn open_at(&self, d: NaiveDate) -> DateTime<Utc> {
        from_local(d.and_time(self.hours.open))
    }

    fn close_at(&self, d: NaiveDate) -> DateTime<Utc> {
        from_local(d.and_time(self.hours.close))
    }

    /// The local office close of `d`, as UTC (whether or not `d` is a working day).
    pub fn close_of(&self, d: NaiveDate) -> DateTime<Utc> {
        self.close_at(d)
    }

    /// `t` itself if it is inside the office hours of a working day, else the
    /// next opening.
    pub fn next_working_moment(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        self.hours.validate()?;
        let local = to_local(t);
        let d = local.date();
        if local.time() < self.hours.close && self.is_working_day(d)? {
            return Ok(t.max(self.open_at(d)));
        }
        Ok(self.open_at(self.nth_after(d, 1)?))
    }

    /// End (office close) of the `n`-th working day after acceptance; see the
    /// [module docs](self) for the rules, including `n = 0` (即办件).
    pub fn deadline(
        &self,
        accepted_at: DateTime<Utc>,
        n: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        check_days("number of working days", n)?;
        self.hours.validate()?;
        let local = to_local(accepted_at);
        let d = local.date();
        let day = if n == 0 && local.time() < self.hours.close && self.is_working_day(d)? {
            d
        } else {
            self.nth_after(d, n.max(1))?
        };
        Ok(self.close_at(day))
    }

    /// Working time from `t` to [`Self::deadline`]`(t, n)`, in closed form:
    /// what is left of the acceptance day's office hours (if it is a working
    /// day), plus `n` full working days (`n = 0`: one, if nothing is left).
    /// The clock uses it as the budget of `n = 0` items only; for `n >= 1` it
    /// counts `n` full days from the acceptance date's close instead.
    pub(crate) fn working_time_to_deadline(
        &self,
        t: DateTime<Utc>,
        n: u32,
    ) -> Result<TimeDelta, CalendarError> {
        check_days("number of working days", n)?;
        self.hours.validate()?;
        let local = to_local(t);
        let d = local.date();
        let today = if local.time() < self.hours.close && self.is_working_day(d)? {
            self.hours.close - self.clip(local.time())
        } else {
            TimeDelta::zero()
        };
        let days = if n == 0 && today > TimeDelta::zero() {
            0
        } else {
            n.max(1)
        };
        Ok(today + TimeDelta::seconds(i64::from(days) * self.hours.seconds_per_day()))
    }

    /// Seconds inside office hours of working days in `[a, b)`; 0 if `b <= a`.
    pub fn working_seconds_between(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        Ok(self.working_time(a, b)?.num_seconds())
    }

    /// Working time in `[a, b)`, exact to the nanosecond.
    pub(crate) fn working_time(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        self.hours.validate()?;
        if b <= a {
            return Ok(TimeDelta::zero());
        }
        let (la, lb) = (to_local(a), to_local(b));
        let (da, db) = (la.date(), lb.date());
        let (open, close) = (self.hours.open, self.hours.close);
        if da == db {
            if la.time() < close && lb.time() > open && self.is_working_day(da)? {
                return Ok(self.clip(lb.time()) - self.clip(la.time()));
            }
            return Ok(TimeDelta::zero());
        }
        let mut total = TimeDelta::zero();
        if la.time() < close && self.is_working_day(da)? {
            total += close - self.clip(la.time());
        }
        if lb.time() > open && self.is_working_day(db)? {
            total += self.clip(lb.time()) - open;
        }
        if let (Some(first), Some(last)) = (da.succ_opt(), db.pred_opt()) {
            if first <= last {
                let days = i64::from(self.count_inclusive(first, last)?);
                total += TimeDelta::seconds(days * self.hours.seconds_per_day());
            }
        }
        Ok(total)
    }

    /// The earliest moment `m >= from` with `working_seconds_between(from, m) == secs`
    /// (`secs = 0` gives `from`; landing exactly on a close gives that close).
    pub fn advance_working_seconds(
        &self,
        from: DateTime<Utc>,
        secs: i64,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.hours.validate()?;
        let max = i64::from(MAX_LIMIT_DAYS) * self.hours.seconds_per_day();
        if !(0..=max).contains(&secs) {
            return Err(CalendarError::InvalidLimit {
                what: "number of working seconds",
                value: secs,
                min: 0,
                max,
            });
        }
        self.advance_working(from, TimeDelta::seconds(secs))
    }

    /// [`Self::advance_working_seconds`] for an exact duration (up to twice
    /// [`MAX_LIMIT_DAYS`] working days, leaving room for a clock's partial
    /// first day; more is refused).
    pub(crate) fn advance_working(
        &self,
        from: DateTime<Utc>,
        time: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.hours.validate()?;
        if time <= TimeDelta::zero() {
            return Ok(from);
        }
        let local = to_local(from);
        let d = local.date();
        let mut rest = time;
        if local.time() < self.hours.close && self.is_working_day(d)? {
            let start = self.clip(local.time());
            let avail = self.hours.close - start;
            if rest <= avail {
                return Ok(from_local(d.and_time(start + rest)));
            }
            rest -= avail;
        }
        let too_long = |days: i64| CalendarError::InvalidLimit {
            what: "working time in working days",
            value: days,
            min: 0,
            max: 2 * i64::from(MAX_LIMIT_DAYS),
        };
        let rest_ns = rest.num_nanoseconds().ok_or_else(|| too_long(i64::MAX))?;
        let day_ns = self.hours.seconds_per_day() * 1_000_000_000;
        // Full working days used up before the last one; the last gets (0, day].
        let full = (rest_ns - 1) / day_ns;
        let last = rest_ns - full * day_ns;
        let full = u32::try_from(full)
            .ok()
            .filter(|f| *f < 2 * MAX_LIMIT_DAYS)
            .ok_or_else(|| too_long(full.saturating_add(1)))?;
        let end_day = self.nth_after(d, full + 1)?;
        let end = self.hours.open + TimeDelta::nanoseconds(last);
        Ok(from_local(end_day.and_time(end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UTC+8 shortcut agrees with the tz database from 1991 to 2100,
    /// and the tz database is used (with its daylight-saving time) before.
    #[test]
    fn fixed_offset_shortcut_matches_tz_database() {
        let start = NaiveDate::from_ymd_opt(1991, 6, 1).unwrap();
        for day in start.iter_days().take_while(|d| d.year() <= 2100) {
            for hour in [0, 9, 17] {
                let local = day.and_hms_opt(hour, 0, 0).unwrap();
                let expect = TIME_ZONE.from_local_datetime(&local).earliest().unwrap();
                let t = from_local(local);
                assert_eq!(t, expect.with_timezone(&Utc), "{local}");
                assert_eq!(to_local(t), local, "{local}");
            }
        }
        // 1991-07-01 was in daylight-saving time (UTC+9).
        let summer = NaiveDate::from_ymd_opt(1991, 7, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert_eq!(from_local(summer).naive_utc(), summer - TimeDelta::hours(9));
    }
}
