//! The sign-in failure rule (登录失败处理), as a pure function over plain values.
//!
//! GB/T 22239-2019 (等保 2.0) level 3, 8.1.4.1 b, requires a system to handle failed sign-ins:
//! limit illegal attempts ("限制非法登录次数"). It fixes no number. The product's defaults, all
//! configurable: an account (or a client address) that fails `max_failures` times within
//! `window` is locked for `lockout`; the count starts again after a success, after the window
//! has passed since the first failure it counts, or once a lockout has run out.

use chrono::{DateTime, Duration, Utc};

/// The limits (product defaults: 5 failures of one account in 15 minutes lock it for 15
/// minutes; 20 failures from one address in 15 minutes lock the address for 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailurePolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lockout: Duration,
}

/// What is known of one account's or address's recent failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureState {
    pub failures: u32,
    /// The first failure of the current count.
    pub window_started_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// May a sign-in be tried now?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Locked: try again in this many seconds (at least 1).
    Locked {
        retry_after: u64,
    },
}

pub fn gate(s: &FailureState, now: DateTime<Utc>) -> Gate {
    match s.locked_until {
        Some(until) if until > now => Gate::Locked {
            retry_after: ((until - now).num_milliseconds() as u64)
                .div_ceil(1000)
                .max(1),
        },
        _ => Gate::Open,
    }
}

/// The state after one more failure at `now`, and whether this failure locked it.
pub fn after_failure(
    s: &FailureState,
    now: DateTime<Utc>,
    p: &FailurePolicy,
) -> (FailureState, bool) {
    let expired_lock = s.locked_until.is_some_and(|u| u <= now);
    let window_over = s
        .window_started_at
        .is_none_or(|start| now - start >= p.window);
    let (failures, started) = if expired_lock || window_over {
        (1, now)
    } else {
        (
            s.failures.saturating_add(1),
            s.window_started_at.unwrap_or(now),
        )
    };
    if failures >= p.max_failures {
        (
            FailureState {
                failures,
                window_started_at: Some(started),
                locked_until: Some(now + p.lockout),
            },
            true,
        )
    } else {
        (
            FailureState {
                failures,
                window_started_at: Some(started),
                locked_until: None,
            },
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap() + Duration::minutes(min)
    }

    fn policy() -> FailurePolicy {
        FailurePolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }

    fn fail_at(s: FailureState, min: i64) -> (FailureState, bool) {
        after_failure(&s, t(min), &policy())
    }

    #[test]
    fn the_fifth_failure_within_the_window_locks_for_the_lockout() {
        let mut s = FailureState::default();
        for k in 0..4 {
            let (n, locked) = fail_at(s, k);
            assert!(!locked, "failure {}", k + 1);
            assert_eq!(gate(&n, t(k)), Gate::Open);
            s = n;
        }
        let (s, locked) = fail_at(s, 10);
        assert!(locked);
        assert_eq!(s.failures, 5);
        assert_eq!(s.locked_until, Some(t(25)));
        assert_eq!(gate(&s, t(10)), Gate::Locked { retry_after: 900 });
        assert_eq!(gate(&s, t(24)), Gate::Locked { retry_after: 60 });
        assert_eq!(gate(&s, t(25)), Gate::Open, "the lockout runs out");
    }

    #[test]
    fn failures_spread_over_more_than_the_window_never_lock() {
        let mut s = FailureState::default();
        // One failure every 4 minutes: the count restarts each time 15 minutes have passed
        // since the first failure it counts.
        for k in 0..30 {
            let (n, locked) = fail_at(s, 4 * k);
            assert!(!locked, "failure at minute {}", 4 * k);
            s = n;
        }
        assert!(s.failures <= 4);
    }

    #[test]
    fn after_a_lockout_the_count_starts_again() {
        let mut s = FailureState::default();
        for k in 0..5 {
            s = fail_at(s, k).0;
        }
        assert!(s.locked_until.is_some());
        let (s, locked) = fail_at(s, 30);
        assert!(!locked);
        assert_eq!(s.failures, 1);
        assert_eq!(s.locked_until, None);
    }

    #[test]
    fn a_retry_after_is_never_zero() {
        let s = FailureState {
            failures: 5,
            window_started_at: Some(t(0)),
            locked_until: Some(t(0) + Duration::milliseconds(10)),
        };
        assert_eq!(gate(&s, t(0)), Gate::Locked { retry_after: 1 });
    }

    #[test]
    fn a_limit_of_one_locks_at_the_first_failure() {
        let p = FailurePolicy {
            max_failures: 1,
            ..policy()
        };
        let (s, locked) = after_failure(&FailureState::default(), t(0), &p);
        assert!(locked);
        assert_eq!(s.locked_until, Some(t(15)));
    }
}
