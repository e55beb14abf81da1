//! The session rules (会话管理) as pure functions over plain values: whether an access token
//! is still current, what a presented refresh token leads to, and the cache of users' token
//! versions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// What the session check needs of a user's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserState {
    pub token_version: i32,
    /// Active and not deleted.
    pub active: bool,
}

/// Is a token of version `tv` still current for this user (none: no such user)?
pub fn access_current(tv: i32, user: Option<UserState>) -> bool {
    user.is_some_and(|u| u.active && u.token_version == tv)
}

/// What is known of one presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshState {
    pub used: bool,
    pub revoked: bool,
    pub expires_at: DateTime<Utc>,
    /// When its session (the family, from the sign-in) reaches `SESSION_MAX_AGE_SECONDS`,
    /// however often it was refreshed.
    pub session_ends_at: DateTime<Utc>,
    /// The user's version when it was issued.
    pub token_version: i32,
}

/// What a presented refresh token leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Mark it used and issue the next one of the family.
    Rotate,
    /// It was used before: someone replays it. Revoke the whole family (401 `refresh_reused`).
    Reused,
    /// Its family was revoked (a reuse, a logout): 401 `refresh_revoked`.
    Revoked,
    /// 401 `refresh_expired`.
    Expired,
    /// The session reached its maximum age: 401 `session_expired` (sign in again).
    SessionTooOld,
    /// The account changed since (or is inactive, or gone): 401 `session_revoked`.
    AccountChanged,
}

/// The decision for `t` at `now`; a used token counts as reuse even when its family is already
/// revoked or it has expired since (a replay is a replay).
pub fn refresh_outcome(
    t: &RefreshState,
    now: DateTime<Utc>,
    user: Option<UserState>,
) -> RefreshOutcome {
    if t.used {
        RefreshOutcome::Reused
    } else if t.revoked {
        RefreshOutcome::Revoked
    } else if t.session_ends_at <= now {
        RefreshOutcome::SessionTooOld
    } else if t.expires_at <= now {
        RefreshOutcome::Expired
    } else if !access_current(t.token_version, user) {
        RefreshOutcome::AccountChanged
    } else {
        RefreshOutcome::Rotate
    }
}

/// Users' current state, kept for `ttl` in this process and dropped at once when this process
/// changes it. A read started before a drop never stores its (possibly older) answer: every
/// drop moves the epoch on, and [`StateCache::put`] stores only under the epoch its read began.
pub struct StateCache {
    ttl: Duration,
    epoch: AtomicU64,
    map: Mutex<HashMap<i32, (UserState, Instant)>>,
}

/// Above this many entries, a store first forgets the stale ones.
const PRUNE_ABOVE: usize = 10_000;

impl StateCache {
    /// A zero `ttl` keeps nothing: every request reads the row.
    pub fn new(ttl: Duration) -> Self {
        StateCache {
            ttl,
            epoch: AtomicU64::new(0),
            map: Mutex::new(HashMap::new()),
        }
    }

    fn fresh(&self, at: Instant, now: Instant) -> bool {
        now.saturating_duration_since(at) < self.ttl
    }

    /// The state of user `id` if known and younger than the TTL.
    pub fn get(&self, id: i32, now: Instant) -> Option<UserState> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id)
            .filter(|(_, at)| self.fresh(*at, now))
            .map(|(s, _)| *s)
    }

    /// Take before reading a row; give to [`StateCache::put`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Remember `state`, read at `now` by a read that began at `epoch`; nothing when a drop
    /// happened since.
    pub fn put(&self, id: i32, state: UserState, epoch: u64, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if map.len() >= PRUNE_ABOVE {
            map.retain(|_, (_, at)| now.saturating_duration_since(*at) < self.ttl);
        }
        map.insert(id, (state, now));
    }

    /// Forget user `id` (after a committed change of the account).
    pub fn invalidate(&self, id: i32) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::SeqCst);
        map.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: UserState = UserState {
        token_version: 2,
        active: true,
    };

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn token() -> RefreshState {
        RefreshState {
            used: false,
            revoked: false,
            expires_at: t(60),
            session_ends_at: t(90),
            token_version: 2,
        }
    }

    #[test]
    fn an_access_token_is_current_only_at_the_users_version_while_active() {
        assert!(access_current(2, Some(LIVE)));
        assert!(!access_current(1, Some(LIVE)), "older version");
        assert!(!access_current(3, Some(LIVE)), "any other version");
        assert!(!access_current(
            2,
            Some(UserState {
                active: false,
                ..LIVE
            })
        ));
        assert!(!access_current(2, None), "no such user");
    }

    #[test]
    fn a_fresh_token_rotates() {
        assert_eq!(
            refresh_outcome(&token(), t(0), Some(LIVE)),
            RefreshOutcome::Rotate
        );
    }

    #[test]
    fn a_used_token_is_reuse_whatever_else_holds() {
        for (revoked, at) in [(false, 0), (true, 0), (false, 120), (true, 120)] {
            let s = RefreshState {
                used: true,
                revoked,
                ..token()
            };
            assert_eq!(
                refresh_outcome(&s, t(at), None),
                RefreshOutcome::Reused,
                "revoked {revoked}, minute {at}"
            );
        }
    }

    #[test]
    fn revoked_then_expired_then_account_changes() {
        let revoked = RefreshState {
            revoked: true,
            ..token()
        };
        assert_eq!(
            refresh_outcome(&revoked, t(0), Some(LIVE)),
            RefreshOutcome::Revoked
        );
        assert_eq!(
            refresh_outcome(&token(), t(60), Some(LIVE)),
            RefreshOutcome::Expired,
            "expiry is exclusive"
        );
        let bumped = UserState {
            token_version: 3,
            ..LIVE
        };
        assert_eq!(
            refresh_outcome(&token(), t(0), Some(bumped)),
            RefreshOutcome::AccountChanged
        );
        assert_eq!(
            refresh_outcome(&token(), t(0), None),
            RefreshOutcome::AccountChanged
        );
    }

    #[test]
    fn a_session_past_its_maximum_age_is_not_renewed_however_fresh_the_token() {
        let old = RefreshState {
            session_ends_at: t(10),
            ..token()
        };
        assert_eq!(
            refresh_outcome(&old, t(9), Some(LIVE)),
            RefreshOutcome::Rotate
        );
        assert_eq!(
            refresh_outcome(&old, t(10), Some(LIVE)),
            RefreshOutcome::SessionTooOld,
            "the end is exclusive"
        );
        // A replay is still a replay.
        assert_eq!(
            refresh_outcome(&RefreshState { used: true, ..old }, t(10), Some(LIVE)),
            RefreshOutcome::Reused
        );
    }

    #[test]
    fn the_cache_keeps_for_its_ttl_and_forgets_on_invalidate() {
        let c = StateCache::new(Duration::from_secs(5));
        let now = Instant::now();
        assert_eq!(c.get(1, now), None);
        c.put(1, LIVE, c.epoch(), now);
        assert_eq!(c.get(1, now + Duration::from_secs(4)), Some(LIVE));
        assert_eq!(c.get(1, now + Duration::from_secs(5)), None, "stale");
        c.invalidate(1);
        assert_eq!(c.get(1, now), None);
    }

    #[test]
    fn a_read_begun_before_an_invalidate_stores_nothing() {
        let c = StateCache::new(Duration::from_secs(5));
        let now = Instant::now();
        let epoch = c.epoch();
        c.invalidate(1); // the change commits while the read runs
        c.put(1, LIVE, epoch, now);
        assert_eq!(c.get(1, now), None);
        c.put(1, LIVE, c.epoch(), now);
        assert_eq!(c.get(1, now), Some(LIVE));
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let c = StateCache::new(Duration::ZERO);
        let now = Instant::now();
        c.put(1, LIVE, c.epoch(), now);
        assert_eq!(c.get(1, now), None);
    }
}
