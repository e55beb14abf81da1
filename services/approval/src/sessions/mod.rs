//! Sessions that can be ended (会话管理, GB/T 22239-2019 8.1.4.1 b/d): short access tokens,
//! rotating refresh tokens kept server-side, and a per-user token version checked on every
//! request.
//!
//! - A sign-in (`POST /v1/auth/token`) starts a session: an access token (`TOKEN_TTL_SECONDS`,
//!   product default 15 minutes) carrying the user's `token_version` (`tv`) and the session id
//!   (`sid`), and an opaque refresh token (`REFRESH_TOKEN_TTL_SECONDS`, product default 8
//!   hours) of which only the SHA-256 is stored (`refresh_tokens`, one family per session).
//! - `POST /v1/auth/refresh` exchanges a refresh token for a new pair of the same family and
//!   marks the old one used. A used token presented again revokes the whole family (the thief
//!   and the rightful holder both lose it: 401 `refresh_reused`, audited).
//! - Deactivation, deletion, a password change (own or by an admin), a role or department
//!   change and a logout raise `users.token_version` in the transaction of the change; every
//!   request with a bearer token (or the console's cookie) is checked by [`guard`] against the
//!   current version and refused with 401 `session_revoked` when it differs or the account is
//!   inactive. So the role and department the handlers trust are those of the current row.
//! - A logout ends all the user's sessions (it raises the version), not only its own.
//! - The check reads the user's row through an in-process cache ([`policy::StateCache`],
//!   `SESSION_CACHE_SECONDS`, product default 5 s), dropped at once in the process that makes
//!   the change; another replica may accept an old token for at most that long after the change.
//! - A token without `tv` (issued before versions) counts as version 0: it keeps working until
//!   it expires or the account's first change. The inter-service token of the assessment
//!   service (user 0, role `service`, no user row) is not checked.

pub mod guard;
pub mod policy;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use platform::auth::{JwtKeys, Role};
use platform::ApiError;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::entities::{refresh_token, user};
use policy::{RefreshOutcome, RefreshState, StateCache, UserState};

/// Session settings, from the environment (README, Configuration); product defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// `REFRESH_TOKEN_TTL_SECONDS`: how long a refresh token may be exchanged (default 28800,
    /// 8 hours: a working day; the product's own default).
    pub refresh_ttl_seconds: i64,
    /// `SESSION_CACHE_SECONDS`: how long a replica trusts a user's token version it read
    /// (default 5; 0 reads the row on every request; the product's own default).
    pub cache_seconds: u64,
    /// `SESSION_MAX_AGE_SECONDS`: the longest a session lives from its sign-in, however often
    /// it is refreshed (default 43200, 12 hours: a working day with overtime; the product's
    /// own default — 等保 2.0 asks for sessions that end, 8.1.4.1 b, without a number).
    pub max_age_seconds: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            refresh_ttl_seconds: 28_800,
            cache_seconds: 5,
            max_age_seconds: 43_200,
        }
    }
}

impl SessionSettings {
    /// Read from variables through `get`; a bad value names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = SessionSettings::default();
        let num = |name: &str, default: u64, min: u64, max: u64| -> Result<u64, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number {min}–{max}, got `{v}`"
                    )),
                },
            }
        };
        Ok(SessionSettings {
            refresh_ttl_seconds: num(
                "REFRESH_TOKEN_TTL_SECONDS",
                d.refresh_ttl_seconds as u64,
                60,
                30 * 86_400,
            )? as i64,
            cache_seconds: num("SESSION_CACHE_SECONDS", d.cache_seconds, 0, 300)?,
            max_age_seconds: num(
                "SESSION_MAX_AGE_SECONDS",
                d.max_age_seconds as u64,
                300,
                30 * 86_400,
            )? as i64,
        })
    }
}

/// The settings and the cache of users' states, shared by the workers.
pub struct Sessions {
    pub settings: SessionSettings,
    pub cache: StateCache,
}

impl Sessions {
    pub fn new(settings: SessionSettings) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Sessions {
            cache: StateCache::new(std::time::Duration::from_secs(settings.cache_seconds)),
            settings,
        })
    }

    /// The current state of user `id` (cached).
    pub async fn user_state(
        &self,
        db: &DatabaseConnection,
        id: i32,
    ) -> Result<Option<UserState>, ApiError> {
        let now = std::time::Instant::now();
        if let Some(s) = self.cache.get(id, now) {
            return Ok(Some(s));
        }
        let epoch = self.cache.epoch();
        let Some(row) = user::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let s = state_of(&row);
        self.cache.put(id, s, epoch, now);
        Ok(Some(s))
    }
}

pub fn state_of(u: &user::Model) -> UserState {
    UserState {
        token_version: u.token_version,
        active: u.active && u.deleted_at.is_none(),
    }
}

/// Raise user `id`'s token version: every token issued before is refused from now on. Call in
/// the transaction of the change, and drop the cache entry ([`StateCache::invalidate`]) after
/// the commit.
pub async fn bump_version<C: ConnectionTrait>(c: &C, id: i32) -> Result<(), ApiError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .filter(user::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// The 401 of a token or refresh token whose account changed since.
pub fn revoked() -> ApiError {
    ApiError::unauthorized(
        "session_revoked",
        "the session was ended by a change to the account (deactivation, password, role or department change, or logout): sign in again",
    )
}

/// A new access token and refresh token.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub role: Role,
    pub department_id: Option<i32>,
}

fn random_b64(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The stored form of a refresh token.
pub fn refresh_hash(token: &str) -> String {
    platform::identity::sha256_hex(token)
}

/// Store a new refresh token of `family` for `u` and sign the access token to go with it.
async fn issue<C: ConnectionTrait>(
    c: &C,
    keys: &JwtKeys,
    settings: &SessionSettings,
    u: &user::Model,
    family: &str,
    now: DateTime<Utc>,
) -> Result<TokenPair, ApiError> {
    let role: Role = u.role.parse().map_err(ApiError::Internal)?;
    let refresh = random_b64(32);
    refresh_token::ActiveModel {
        user_id: Set(u.id),
        family_id: Set(family.to_string()),
        token_hash: Set(refresh_hash(&refresh)),
        token_version: Set(u.token_version),
        issued_at: Set(now),
        expires_at: Set(now + Duration::seconds(settings.refresh_ttl_seconds)),
        used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(c)
    .await?;
    // The access token's `iat`/`exp` are on the system clock, which every verifier checks
    // them against (the service's own clock may be set to another day: the demo, the tests);
    // the refresh token's row above is on the service's clock, which checks it.
    let access = keys.issue_session(
        u.id,
        &u.username,
        role,
        u.department_id,
        u.token_version,
        family,
        Utc::now(),
    )?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        role,
        department_id: u.department_id,
    })
}

/// After a successful sign-in: a new session (family) and the audit entry `login`, in one
/// transaction.
pub async fn start(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    settings: &SessionSettings,
    u: &user::Model,
    now: DateTime<Utc>,
    address: &str,
) -> Result<TokenPair, ApiError> {
    start_audited(db, keys, settings, u, now, address, "login").await
}

/// [`start`], audited as `action` (`login_oidc` for a sign-in through the identity provider).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction sessions.start", db.operation = "sessions.start"))]
pub async fn start_audited(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    settings: &SessionSettings,
    u: &user::Model,
    now: DateTime<Utc>,
    address: &str,
    action: &str,
) -> Result<TokenPair, ApiError> {
    let txn = db.begin().await?;
    let family = random_b64(18);
    let pair = issue(&txn, keys, settings, u, &family, now).await?;
    crate::login::audit(
        &txn,
        now,
        (Some(u.id), &u.username),
        action,
        &u.username,
        address,
    )
    .await?;
    txn.commit().await?;
    Ok(pair)
}

/// Revoke every live token of `family`.
async fn revoke_family<C: ConnectionTrait>(
    c: &C,
    family: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(c)
        .await?;
    Ok(())
}

/// Exchange refresh token `token` for the next pair of its family (see the module
/// documentation); a reuse revokes the family and is audited with `address`, in one
/// transaction, before the 401.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction sessions.refresh", db.operation = "sessions.refresh"))]
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    settings: &SessionSettings,
    token: &str,
    now: DateTime<Utc>,
    address: &str,
) -> Result<TokenPair, ApiError> {
    let txn = db.begin().await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(refresh_hash(token.trim())))
        .one(&txn)
        .await?
    else {
        return Err(ApiError::unauthorized(
            "refresh_invalid",
            "refresh_token is not a refresh token of this service",
        ));
    };
    let u = user::Entity::find_by_id(row.user_id).one(&txn).await?;
    // The session began with the family's first token (the sign-in).
    let started_at = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(row.family_id.as_str()))
        .order_by_asc(refresh_token::Column::IssuedAt)
        .one(&txn)
        .await?
        .map_or(row.issued_at, |first| first.issued_at);
    let state = RefreshState {
        used: row.used_at.is_some(),
        revoked: row.revoked_at.is_some(),
        expires_at: row.expires_at,
        session_ends_at: started_at + Duration::seconds(settings.max_age_seconds),
        token_version: row.token_version,
    };
    let mut outcome = policy::refresh_outcome(&state, now, u.as_ref().map(state_of));
    if outcome == RefreshOutcome::Rotate {
        // Two exchanges of one token at once: only one marks it used; the other is a reuse.
        let marked = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(Some(now)))
            .filter(refresh_token::Column::Id.eq(row.id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if marked == 0 {
            outcome = RefreshOutcome::Reused;
        }
    }
    match (outcome, u) {
        (RefreshOutcome::Rotate, Some(u)) => {
            let pair = issue(&txn, keys, settings, &u, &row.family_id, now).await?;
            txn.commit().await?;
            Ok(pair)
        }
        (RefreshOutcome::Reused, u) => {
            revoke_family(&txn, &row.family_id, now).await?;
            let name = u.map(|u| u.username).unwrap_or_default();
            crate::login::audit(
                &txn,
                now,
                (Some(row.user_id), &name),
                "refresh_reused",
                &name,
                address,
            )
            .await?;
            txn.commit().await?;
            Err(ApiError::unauthorized(
                "refresh_reused",
                "refresh_token was already used: its session is revoked, sign in again",
            ))
        }
        (RefreshOutcome::Revoked, _) => Err(ApiError::unauthorized(
            "refresh_revoked",
            "refresh_token belongs to a revoked session: sign in again",
        )),
        (RefreshOutcome::Expired, _) => Err(ApiError::unauthorized(
            "refresh_expired",
            "refresh_token has expired: sign in again",
        )),
        (RefreshOutcome::SessionTooOld, _) => Err(ApiError::unauthorized(
            "session_expired",
            "the session reached its maximum age (SESSION_MAX_AGE_SECONDS): sign in again",
        )),
        _ => Err(revoked()),
    }
}

/// Log out user `id` (named `name`): revoke session `sid`'s refresh tokens and raise the
/// version (every session of the user ends), audited `logout` with `address`, in one
/// transaction. Drop the cache entry after.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction sessions.logout", db.operation = "sessions.logout"))]
pub async fn logout(
    db: &DatabaseConnection,
    id: i32,
    name: &str,
    sid: Option<&str>,
    now: DateTime<Utc>,
    address: &str,
) -> Result<(), ApiError> {
    let txn = db.begin().await?;
    if let Some(sid) = sid {
        revoke_family(&txn, sid, now).await?;
    }
    bump_version(&txn, id).await?;
    crate::login::audit(&txn, now, (Some(id), name), "logout", name, address).await?;
    txn.commit().await?;
    Ok(())
}

/// Delete the refresh tokens of every session past its maximum age (its first token issued
/// before `now - SESSION_MAX_AGE_SECONDS`): no refresh of theirs can succeed any more, so
/// keeping them only keeps who signed in when (the hourly `housekeeping` job). A replay of
/// one is then `refresh_invalid` rather than `refresh_reused`: refused either way.
pub async fn purge_ended<C: ConnectionTrait>(
    c: &C,
    settings: &SessionSettings,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    use sea_orm::sea_query::{Func, Query};
    let horizon = now - Duration::seconds(settings.max_age_seconds);
    let ended = Query::select()
        .column(refresh_token::Column::FamilyId)
        .from(refresh_token::Entity)
        .group_by_col(refresh_token::Column::FamilyId)
        .and_having(Expr::expr(Func::min(Expr::col(refresh_token::Column::IssuedAt))).lt(horizon))
        .to_owned();
    let r = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::FamilyId.in_subquery(ended))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::SessionSettings;

    #[test]
    fn defaults_and_bad_values_name_the_variable() {
        assert_eq!(
            SessionSettings::from_lookup(|_| None).unwrap(),
            SessionSettings::default()
        );
        let s = SessionSettings::from_lookup(|k| {
            (k == "SESSION_CACHE_SECONDS").then(|| "0".to_string())
        })
        .unwrap();
        assert_eq!(s.cache_seconds, 0);
        for (k, v) in [
            ("REFRESH_TOKEN_TTL_SECONDS", "10"),
            ("SESSION_CACHE_SECONDS", "soon"),
        ] {
            let e = SessionSettings::from_lookup(|q| (q == k).then(|| v.to_string())).unwrap_err();
            assert!(e.contains(k), "{e}");
        }
    }
}
