//! When a branch is due an alert (pure): the early warning (预警) when its warning moment
//! passes, the yellow card (黄牌) at its due moment, the red card (红牌) when it is overdue by
//! more than the configured number of working days. Each branch stores the moment of its next
//! alert (`next_alert_at`), so the sweep reads only what has come due.

use calendar::{CalendarError, StatutoryClock, WorkCalendar};
use chrono::{DateTime, Utc};

/// The alert levels, in the order they are issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertLevel {
    /// 预警: the warning moment passed (default: 2/3 of the working time used).
    Warning = 1,
    /// 黄牌: the due moment passed.
    Yellow = 2,
    /// 红牌: overdue by more than the red-card threshold.
    Red = 3,
}

impl AlertLevel {
    pub const ALL: [AlertLevel; 3] = [AlertLevel::Warning, AlertLevel::Yellow, AlertLevel::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Warning => "warning",
            AlertLevel::Yellow => "yellow",
            AlertLevel::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn rank(self) -> i32 {
        self as i32
    }
}

/// The stored moments of a branch's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertMoments {
    pub warn_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub red_at: Option<DateTime<Utc>>,
    pub next_alert_at: Option<DateTime<Utc>>,
}

/// The moment each level falls due (none while the clock is paused).
fn moment_of(level: AlertLevel, m: &AlertMoments) -> Option<DateTime<Utc>> {
    match level {
        AlertLevel::Warning => m.warn_at,
        AlertLevel::Yellow => m.due_at,
        AlertLevel::Red => m.red_at,
    }
}

/// The next alert after `issued` (the highest level issued so far, 0 = none).
pub fn next_alert(issued: i32, m: &AlertMoments) -> Option<DateTime<Utc>> {
    AlertLevel::ALL
        .into_iter()
        .filter(|l| l.rank() > issued)
        .find_map(|l| moment_of(l, m))
}

/// The levels above `issued` whose moment has come by `now`, in order.
pub fn due_levels(issued: i32, m: &AlertMoments, now: DateTime<Utc>) -> Vec<AlertLevel> {
    AlertLevel::ALL
        .into_iter()
        .filter(|l| l.rank() > issued)
        .filter(|l| moment_of(*l, m).is_some_and(|t| t <= now))
        .collect()
}

/// The statutory clock (法定期限) of a branch: its promised clock (承诺期限) with the same pauses
/// and extensions, running `extra_days` (statutory − promised) longer.
pub fn statutory_clock(
    promised: &StatutoryClock,
    extra_days: i32,
) -> Result<StatutoryClock, CalendarError> {
    let mut c = promised.clone();
    if let Ok(extra) = u32::try_from(extra_days) {
        if extra > 0 {
            c.extend(extra)?;
        }
    }
    Ok(c)
}

/// A due moment (`None` while paused or not computable yet), and when not computable yet, the
/// moment to compute it again.
pub type DueOrRecheck = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The statutory due moment; `None` while paused, and also when it runs into a year without
/// a holiday table (the case is never refused for it): then the second value is the moment
/// to compute it again (the first moment of that year).
pub fn statutory_due(
    promised: &StatutoryClock,
    extra_days: i32,
    cal: &WorkCalendar,
) -> Result<DueOrRecheck, CalendarError> {
    match statutory_clock(promised, extra_days)?.due_at(cal) {
        Ok(due) => Ok((due, None)),
        Err(CalendarError::YearNotCovered { year }) => Ok((
            None,
            chrono::NaiveDate::from_ymd_opt(year, 1, 1).map(calendar::local_midnight),
        )),
        Err(e) => Err(e),
    }
}

/// The earlier of the promised clock's next alert and, while its card is not out, the
/// statutory due moment: what the sweep must look at next.
pub fn next_of(
    promised_next: Option<DateTime<Utc>>,
    statutory_due: Option<DateTime<Utc>>,
    statutory_breached: bool,
) -> Option<DateTime<Utc>> {
    let stat = statutory_due.filter(|_| !statutory_breached);
    match (promised_next, stat) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The red-card moment: `red_card_days` working days after the due moment.
///
/// `Ok(Err(recheck_at))` when those days run into a year without a holiday table: the red
/// moment cannot be known yet (it must never refuse a case whose due moment is known), and
/// `recheck_at` is the first moment of that year, when the sweep tries again.
pub fn red_moment(
    due_at: DateTime<Utc>,
    cal: &WorkCalendar,
    red_card_days: u32,
) -> Result<Result<DateTime<Utc>, DateTime<Utc>>, CalendarError> {
    match cal.advance_working_seconds(
        due_at,
        i64::from(red_card_days) * cal.hours().seconds_per_day(),
    ) {
        Ok(t) => Ok(Ok(t)),
        Err(CalendarError::YearNotCovered { year }) => {
            let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
                .map(calendar::local_midnight)
                .unwrap_or(due_at);
            Ok(Err(first.max(due_at)))
        }
        Err(e) => Err(e),
    }
}

/// Compute the moments of a clock. A decided branch (`open = false`) has no next alert.
///
/// A red moment that runs into a year without a table is left unknown (`red_at = None`);
/// once the yellow card is out, the next alert is then the moment to compute it again.
pub fn moments(
    clock: &StatutoryClock,
    cal: &WorkCalendar,
    red_card_days: u32,
    issued: i32,
    open: bool,
) -> Result<AlertMoments, CalendarError> {
    let due_at = clock.due_at(cal)?;
    let warn_at = clock.warn_at(cal)?;
    let (red_at, recheck_at) = match due_at {
        Some(d) => match red_moment(d, cal, red_card_days)? {
            Ok(r) => (Some(r), None),
            Err(recheck) => (None, Some(recheck)),
        },
        None => (None, None),
    };
    let mut m = AlertMoments {
        warn_at,
        due_at,
        red_at,
        next_alert_at: None,
    };
    if open {
        m.next_alert_at = next_alert(issued, &m).or(if issued < AlertLevel::Red.rank() {
            recheck_at
        } else {
            None
        });
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calendar::{LimitUnit, PauseReason, WarnRule};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn moments_of_a_five_day_clock_and_red_after_three_working_days() {
        let cal = WorkCalendar::builtin();
        // Mon 9 Mar 2026 10:00: due Mon 16 Mar 17:00; red 3 working days later, Thu 19 Mar 17:00.
        let clock = StatutoryClock::start(
            t("2026-03-09T10:00:00+08:00"),
            5,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        let m = moments(&clock, &cal, 3, 0, true).unwrap();
        assert_eq!(m.due_at, Some(t("2026-03-16T17:00:00+08:00")));
        assert_eq!(m.red_at, Some(t("2026-03-19T17:00:00+08:00")));
        assert_eq!(m.next_alert_at, m.warn_at);
        assert_eq!(
            moments(&clock, &cal, 3, 1, true).unwrap().next_alert_at,
            m.due_at
        );
        assert_eq!(
            moments(&clock, &cal, 3, 2, true).unwrap().next_alert_at,
            m.red_at
        );
        assert_eq!(
            moments(&clock, &cal, 3, 3, true).unwrap().next_alert_at,
            None
        );
        assert_eq!(
            moments(&clock, &cal, 3, 0, false).unwrap().next_alert_at,
            None,
            "decided: nothing more"
        );
    }

    #[test]
    fn a_red_moment_in_a_year_without_a_table_waits_instead_of_refusing() {
        let cal = WorkCalendar::builtin();
        // Accepted Wed 2 Dec 2026 10:00 with 19 working days: due Tue 29 Dec 2026 17:00,
        // known; due + 3 working days runs into 2027, which has no table yet.
        let clock = StatutoryClock::start(
            t("2026-12-02T10:00:00+08:00"),
            19,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        let m = moments(&clock, &cal, 3, 0, true).expect("due moment is known");
        assert_eq!(m.due_at, Some(t("2026-12-29T17:00:00+08:00")));
        assert_eq!(m.red_at, None);
        assert_eq!(m.next_alert_at, m.warn_at);
        // After the yellow card: look again when 2027 begins.
        let m = moments(&clock, &cal, 3, 2, true).unwrap();
        assert_eq!(m.next_alert_at, Some(t("2027-01-01T00:00:00+08:00")));
        assert_eq!(
            red_moment(t("2026-12-29T17:00:00+08:00"), &cal, 3).unwrap(),
            Err(t("2027-01-01T00:00:00+08:00"))
        );
    }

    #[test]
    fn the_statutory_clock_runs_longer_with_the_same_pauses() {
        let cal = WorkCalendar::builtin();
        // Promised 5, statutory 20 working days from Mon 9 Mar 2026 10:00.
        let mut clock = StatutoryClock::start(
            t("2026-03-09T10:00:00+08:00"),
            5,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        assert_eq!(
            statutory_due(&clock, 15, &cal).unwrap().0,
            Some(t("2026-04-07T17:00:00+08:00")),
            "20 working days: 10 Mar … 7 Apr (清明 Sat 4 – Mon 6 Apr off)"
        );
        // A one-working-day pause moves both by one day.
        clock
            .pause(t("2026-03-10T09:00:00+08:00"), PauseReason::Supplement)
            .unwrap();
        assert_eq!(
            statutory_due(&clock, 15, &cal).unwrap(),
            (None, None),
            "paused"
        );
        clock.resume(t("2026-03-11T09:00:00+08:00")).unwrap();
        assert_eq!(
            statutory_due(&clock, 15, &cal).unwrap().0,
            Some(t("2026-04-08T17:00:00+08:00"))
        );
        // Into a year without a table: unknown for now, look again when 2027 begins.
        let late = StatutoryClock::start(
            t("2026-12-02T10:00:00+08:00"),
            19,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        assert_eq!(
            statutory_due(&late, 21, &cal).unwrap(),
            (None, Some(t("2027-01-01T00:00:00+08:00")))
        );
        assert_eq!(
            next_of(
                Some(t("2026-03-12T10:00:00+08:00")),
                Some(t("2026-03-11T10:00:00+08:00")),
                false
            ),
            Some(t("2026-03-11T10:00:00+08:00"))
        );
        assert_eq!(
            next_of(
                Some(t("2026-03-12T10:00:00+08:00")),
                Some(t("2026-03-11T10:00:00+08:00")),
                true
            ),
            Some(t("2026-03-12T10:00:00+08:00"))
        );
        assert_eq!(
            next_of(None, Some(t("2026-03-11T10:00:00+08:00")), false),
            Some(t("2026-03-11T10:00:00+08:00"))
        );
    }

    #[test]
    fn red_card_threshold_skips_a_holiday() {
        let cal = WorkCalendar::builtin();
        // Due Wed 30 Sep 2026 17:00; 1–7 Oct off; Thu 8 (1), Fri 9 (2), Sat 10 (a make-up
        // working day, 3): red at Sat 10 Oct 17:00.
        let clock = StatutoryClock::start(
            t("2026-09-29T10:00:00+08:00"),
            1,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        let m = moments(&clock, &cal, 3, 0, true).unwrap();
        assert_eq!(m.due_at, Some(t("2026-09-30T17:00:00+08:00")));
        assert_eq!(m.red_at, Some(t("2026-10-10T17:00:00+08:00")));
    }

    #[test]
    fn a_paused_clock_has_no_alert() {
        let cal = WorkCalendar::builtin();
        let mut clock = StatutoryClock::start(
            t("2026-03-09T10:00:00+08:00"),
            5,
            LimitUnit::WorkingDays,
            WarnRule::default(),
        );
        clock
            .pause(t("2026-03-10T10:00:00+08:00"), PauseReason::Supplement)
            .unwrap();
        let m = moments(&clock, &cal, 3, 0, true).unwrap();
        assert_eq!((m.due_at, m.next_alert_at), (None, None));
    }

    #[test]
    fn due_levels_are_issued_in_order_and_only_once() {
        let m = AlertMoments {
            warn_at: Some(t("2026-03-12T10:00:00Z")),
            due_at: Some(t("2026-03-16T09:00:00Z")),
            red_at: Some(t("2026-03-19T09:00:00Z")),
            next_alert_at: None,
        };
        assert!(due_levels(0, &m, t("2026-03-12T09:59:59Z")).is_empty());
        assert_eq!(
            due_levels(0, &m, t("2026-03-12T10:00:00Z")),
            vec![AlertLevel::Warning]
        );
        assert_eq!(
            due_levels(0, &m, t("2026-03-20T00:00:00Z")),
            AlertLevel::ALL.to_vec(),
            "a late sweep catches up"
        );
        assert_eq!(
            due_levels(1, &m, t("2026-03-17T00:00:00Z")),
            vec![AlertLevel::Yellow]
        );
        assert!(due_levels(3, &m, t("2027-01-01T00:00:00Z")).is_empty());
    }
}
