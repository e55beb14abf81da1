//! The audit trail (安全审计): every admin change is recorded in the same transaction as the
//! change, with who, what, when, and the record before and after; sign-ins, sensitive reads
//! (`read_pii`) and report exports (`export`) are recorded too, with the client address.
//!
//! Rows are written unsealed; the sealer ([`store::seal`], a scheduled job and the start of
//! every verify) chains them by hash ([`chain`]), a trigger keeps the table append-only, and
//! the retention purge ([`store::purge`]) removes only sealed rows older than
//! `AUDIT_RETENTION_DAYS`, leaving the last one's hash as the chain's anchor.

pub mod chain;
pub mod store;

use chrono::{DateTime, Utc};
use platform::auth::AuthUser;
use platform::ApiError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::entities::audit_log;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    action: String,
    entity: &'static str,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

impl Change {
    pub fn new(action: &str, entity: &'static str, entity_id: impl ToString) -> Self {
        Change {
            action: action.to_string(),
            entity,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }

    /// The record before the change (absent for a creation).
    pub fn before<T: Serialize>(mut self, v: &T) -> Self {
        self.before = serde_json::to_string(v).ok();
        self
    }

    /// The record after the change (absent for a deletion).
    pub fn after<T: Serialize>(mut self, v: &T) -> Self {
        self.after = serde_json::to_string(v).ok();
        self
    }
}

/// The least retention: 《中华人民共和国网络安全法》第二十一条（三）requires network logs to be
/// kept "不少于六个月" (at least six months), which 等保 2.0 level 3 audit checks rely on.
pub const MIN_RETENTION_DAYS: u32 = 180;

/// Audit trail settings, from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSettings {
    /// `AUDIT_RETENTION_DAYS`: how long sealed audit rows are kept before the purge removes
    /// them (default and least 180, see [`MIN_RETENTION_DAYS`]; a smaller value refuses to
    /// start).
    pub retention_days: u32,
    /// `AUDIT_SEAL_INTERVAL_SECONDS`: how often the sealer runs (default 60: the product's own
    /// default; runs go through the job ledger, so at most one per minute counts).
    pub seal_interval_secs: u32,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            retention_days: MIN_RETENTION_DAYS,
            seal_interval_secs: 60,
        }
    }
}

impl AuditSettings {
    /// Read from variables through `get`; a bad value names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = AuditSettings::default();
        let num = |name: &str, default: u32| -> Result<u32, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{name}: expected a whole number, got `{v}`")),
            }
        };
        let s = AuditSettings {
            retention_days: num("AUDIT_RETENTION_DAYS", d.retention_days)?,
            seal_interval_secs: num("AUDIT_SEAL_INTERVAL_SECONDS", d.seal_interval_secs)?,
        };
        s.check()?;
        Ok(s)
    }

    /// Refuse what the law or the scheduler cannot take.
    pub fn check(&self) -> Result<(), String> {
        if self.retention_days < MIN_RETENTION_DAYS || self.retention_days > 36_600 {
            return Err(format!(
                "AUDIT_RETENTION_DAYS: {} days is below the {MIN_RETENTION_DAYS} days (six months) \
                 网络安全法 第二十一条（三） requires for network logs (or above 36600)",
                self.retention_days
            ));
        }
        if !(1..=86_400).contains(&self.seal_interval_secs) {
            return Err(format!(
                "AUDIT_SEAL_INTERVAL_SECONDS: expected 1–86400, got {}",
                self.seal_interval_secs
            ));
        }
        Ok(())
    }
}

/// Record a sensitive read (`read_pii`: a case's applicant data in full; `export`: a report
/// downloaded) with the reader and the client address. Its own small write: a failure to
/// record refuses the read.
pub async fn record_read<C: ConnectionTrait>(
    conn: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    action: &str,
    entity: &'static str,
    entity_id: impl ToString,
    source: &str,
) -> Result<(), ApiError> {
    audit_log::ActiveModel {
        at: Set(now),
        actor_id: Set(Some(actor.id)),
        actor_name: Set(actor.name.clone()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id.to_string()),
        before: Set(None),
        after: Set(None),
        source: Set(Some(source.chars().take(64).collect())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    change: Change,
) -> Result<(), ApiError> {
    audit_log::ActiveModel {
        at: Set(now),
        actor_id: Set(Some(actor.id)),
        actor_name: Set(actor.name.clone()),
        action: Set(change.action),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        before: Set(change.before),
        after: Set(change.after),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_below_six_months_is_refused() {
        assert_eq!(
            AuditSettings::from_lookup(|_| None).unwrap(),
            AuditSettings::default()
        );
        let e = AuditSettings::from_lookup(|k| (k == "AUDIT_RETENTION_DAYS").then(|| "179".into()))
            .unwrap_err();
        assert!(
            e.contains("AUDIT_RETENTION_DAYS") && e.contains("第二十一条"),
            "{e}"
        );
        let s = AuditSettings::from_lookup(|k| (k == "AUDIT_RETENTION_DAYS").then(|| "365".into()))
            .unwrap();
        assert_eq!(s.retention_days, 365);
        assert!(AuditSettings::from_lookup(|k| {
            (k == "AUDIT_SEAL_INTERVAL_SECONDS").then(|| "0".into())
        })
        .is_err());
    }
}
