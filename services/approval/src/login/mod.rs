//! Signing in (登录): the password check on a bounded blocking pool, failed sign-ins counted
//! per account name and per client address with lockout ([`policy`]), and every sign-in,
//! failure, refusal and lockout in the audit trail with the client address.
//!
//! - argon2 is deliberately slow (tens of milliseconds of CPU): it runs on tokio's blocking
//!   pool, at most `LOGIN_HASH_CONCURRENCY` at a time (product default: the number of CPUs), so
//!   a burst of sign-ins queues behind itself and never stalls the request threads.
//! - A locked account or address answers 429 `login_locked` with `Retry-After`, before any
//!   password is checked; an unknown account name is counted and locked exactly like a known
//!   one, so the answers tell nothing about which names exist.
//! - An admin lifts an account's lockout (`POST /v1/users/{id}/unlock`); otherwise it runs out.

pub mod duties;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod totp;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use platform::auth::AuthUser;
use platform::ApiError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Set, TransactionTrait,
};
use tokio::sync::Semaphore;

use crate::entities::{audit_log, login_failure};
use policy::{FailurePolicy, FailureState, Gate};

/// Sign-in settings, from the environment (README, Configuration). All product defaults:
/// 等保 2.0 asks for failure handling without fixing numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSettings {
    /// `LOGIN_MAX_FAILURES` (5), `LOGIN_WINDOW_MINUTES` (15), `LOGIN_LOCKOUT_MINUTES` (15).
    pub account: FailurePolicy,
    /// `LOGIN_MAX_FAILURES_PER_ADDRESS` (20), same window and lockout.
    pub address: FailurePolicy,
    /// `LOGIN_HASH_CONCURRENCY`: password checks at once (default: CPUs, at least 1).
    pub hash_concurrency: usize,
    /// The password rule (`PASSWORD_*`).
    pub password: password::PasswordPolicy,
}

impl Default for LoginSettings {
    fn default() -> Self {
        let account = FailurePolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        };
        LoginSettings {
            account,
            address: FailurePolicy {
                max_failures: 20,
                ..account
            },
            hash_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            password: password::PasswordPolicy::default(),
        }
    }
}

impl LoginSettings {
    /// Read from variables through `get`; a bad value names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = LoginSettings::default();
        let num = |name: &str, default: u64, max: u64| -> Result<u64, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number 1–{max}, got `{v}`"
                    )),
                },
            }
        };
        let window = Duration::minutes(num("LOGIN_WINDOW_MINUTES", 15, 1440)? as i64);
        let lockout = Duration::minutes(num("LOGIN_LOCKOUT_MINUTES", 15, 10_080)? as i64);
        Ok(LoginSettings {
            account: FailurePolicy {
                max_failures: num("LOGIN_MAX_FAILURES", 5, 100)? as u32,
                window,
                lockout,
            },
            address: FailurePolicy {
                max_failures: num("LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 10_000)? as u32,
                window,
                lockout,
            },
            hash_concurrency: num("LOGIN_HASH_CONCURRENCY", d.hash_concurrency as u64, 256)?
                as usize,
            password: password::PasswordPolicy::from_lookup(&get)?,
        })
    }
}

/// The settings and the bounded pool of password checks, shared by the workers.
pub struct LoginGuard {
    pub settings: LoginSettings,
    hashing: Semaphore,
}

impl LoginGuard {
    pub fn new(settings: LoginSettings) -> Arc<Self> {
        Arc::new(LoginGuard {
            hashing: Semaphore::new(settings.hash_concurrency.max(1)),
            settings,
        })
    }

    /// Check `password` against `hash` on the blocking pool, at most `hash_concurrency` at once.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, ApiError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(format!("login pool: {e}")))?;
        tokio::task::spawn_blocking(move || platform::auth::verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::Internal(format!("password check: {e}")))
    }
}

/// The row key of an account name (whether or not such a user exists).
pub fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

/// The row key of a client address: a hash keyed by the service's secret, never the address.
pub fn address_key(address: &str, secret: &str) -> String {
    format!(
        "address:{}",
        platform::identity::sha256_hex(&format!("login-address:{secret}:{address}"))
    )
}

fn state_of(row: Option<&login_failure::Model>) -> FailureState {
    row.map(|r| FailureState {
        failures: r.failures.max(0) as u32,
        window_started_at: Some(r.window_started_at),
        locked_until: r.locked_until,
    })
    .unwrap_or_default()
}

/// Refuse (429 `login_locked`) when the account name or the address is locked now.
pub async fn check_open<C: ConnectionTrait>(
    c: &C,
    keys: &[&str],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut retry = 0;
    for key in keys {
        let row = login_failure::Entity::find_by_id(key.to_string())
            .one(c)
            .await?;
        if let Gate::Locked { retry_after } = policy::gate(&state_of(row.as_ref()), now) {
            retry = retry.max(retry_after);
        }
    }
    if retry > 0 {
        return Err(ApiError::LoginLocked { retry_after: retry });
    }
    Ok(())
}

/// Count one failure for `key` under `p`; true when this failure locked it.
pub async fn count_failure<C: ConnectionTrait>(
    c: &C,
    key: &str,
    p: &FailurePolicy,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    // Two failures at once must both count: make sure the row exists (a zero count), then
    // read it under a row lock (PostgreSQL; SQLite has one writer, taken by the insert), and
    // write the next state.
    login_failure::Entity::insert(login_failure::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(login_failure::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(c)
    .await?;
    let mut q = login_failure::Entity::find_by_id(key.to_string());
    if c.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let row = q.one(c).await?;
    let current = match &row {
        Some(r) if r.failures == 0 => FailureState::default(),
        other => state_of(other.as_ref()),
    };
    let (next, locked) = policy::after_failure(&current, now, p);
    login_failure::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(next.failures.min(i32::MAX as u32) as i32),
        window_started_at: Set(next.window_started_at.unwrap_or(now)),
        locked_until: Set(next.locked_until),
    }
    .update(c)
    .await?;
    Ok(locked)
}

/// Forget the failures of `key` (a success, or an admin's unlock).
pub async fn clear<C: ConnectionTrait>(c: &C, key: &str) -> Result<bool, ApiError> {
    Ok(login_failure::Entity::delete_by_id(key.to_string())
        .exec(c)
        .await?
        .rows_affected
        > 0)
}

/// One entry of the audit trail about signing in, with the client address.
pub async fn audit<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
    actor: (Option<i32>, &str),
    action: &str,
    subject: &str,
    source: &str,
) -> Result<(), ApiError> {
    audit_log::ActiveModel {
        at: Set(now),
        actor_id: Set(actor.0),
        actor_name: Set(actor.1.chars().take(200).collect()),
        action: Set(action.to_string()),
        entity: Set("session".into()),
        entity_id: Set(subject.chars().take(200).collect()),
        before: Set(None),
        after: Set(None),
        source: Set(Some(source.chars().take(64).collect())),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// [`audit`] of an account's own sign-in event: the account is both actor and subject.
pub async fn audit_user<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
    user: &crate::entities::user::Model,
    action: &str,
    source: &str,
) -> Result<(), ApiError> {
    audit(
        c,
        now,
        (Some(user.id), &user.username),
        action,
        &user.username,
        source,
    )
    .await
}

/// After a wrong password (or an unknown or inactive account): count it for the account name
/// and the address, lock what reached its limit, and audit it all — in one transaction.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction login.record_failure", db.operation = "login.record_failure"))]
pub async fn record_failure(
    db: &sea_orm::DatabaseConnection,
    guard: &LoginGuard,
    now: DateTime<Utc>,
    username: &str,
    account: &str,
    address_key: &str,
    address: &str,
) -> Result<(), ApiError> {
    let txn = db.begin().await?;
    let account_locked = count_failure(&txn, account, &guard.settings.account, now).await?;
    let address_locked = count_failure(&txn, address_key, &guard.settings.address, now).await?;
    audit(
        &txn,
        now,
        (None, username),
        "login_failed",
        username,
        address,
    )
    .await?;
    if account_locked {
        audit(
            &txn,
            now,
            (None, username),
            "lockout_account",
            username,
            address,
        )
        .await?;
    }
    if address_locked {
        audit(
            &txn,
            now,
            (None, username),
            "lockout_address",
            username,
            address,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// An admin lifts the lockout of user `username`; audited with the admin and the address.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction login.unlock", db.operation = "login.unlock"))]
pub async fn unlock(
    db: &sea_orm::DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    username: &str,
    address: &str,
) -> Result<bool, ApiError> {
    let txn = db.begin().await?;
    let was = clear(&txn, &account_key(username)).await?;
    audit(
        &txn,
        now,
        (Some(actor.id), &actor.name),
        "unlock_account",
        username,
        address,
    )
    .await?;
    txn.commit().await?;
    Ok(was)
}

/// Refuse a new password that breaks the rule (422 `weak_password`) or repeats the current
/// one or one of the last `PASSWORD_HISTORY` (422 `password_reused`), both on `field`
/// (GB/T 22239-2019 8.1.4.1 a). `user` is the account whose password changes (none: a new
/// account).
pub async fn check_new_password<C: ConnectionTrait>(
    c: &C,
    guard: &LoginGuard,
    user: Option<&crate::entities::user::Model>,
    username: &str,
    new_password: &str,
    field: &str,
) -> Result<(), ApiError> {
    let rule = &guard.settings.password;
    let problems = rule.problems(new_password, username);
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            code: "weak_password",
            message: format!(
                "the password breaks the rule: {} (口令复杂度, GB/T 22239-2019 8.1.4.1 a)",
                problems.join("; ")
            ),
            field: Some(field.to_string()),
        });
    }
    let Some(u) = user else { return Ok(()) };
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut hashes = vec![u.password_hash.clone()];
    if rule.history > 0 {
        hashes.extend(
            crate::entities::password_history::Entity::find()
                .filter(crate::entities::password_history::Column::UserId.eq(u.id))
                .order_by_desc(crate::entities::password_history::Column::ReplacedAt)
                .order_by_desc(crate::entities::password_history::Column::Id)
                .limit(rule.history as u64)
                .all(c)
                .await?
                .into_iter()
                .map(|h| h.password_hash),
        );
    }
    for h in hashes {
        if guard.verify(new_password.to_string(), h).await? {
            return Err(ApiError::Unprocessable {
                code: "password_reused",
                message: format!(
                    "the new password must differ from the current one and the last {} (口令定期更换, GB/T 22239-2019 8.1.4.1 a)",
                    rule.history
                ),
                field: Some(field.to_string()),
            });
        }
    }
    Ok(())
}

/// Whether `u`'s password has expired at `now` (its age counts from `created_at` when it was
/// set before ages were kept).
pub fn password_expired(
    guard: &LoginGuard,
    u: &crate::entities::user::Model,
    now: DateTime<Utc>,
) -> bool {
    guard
        .settings
        .password
        .expired(u.password_changed_at.unwrap_or(u.created_at), now)
}
