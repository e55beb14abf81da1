//! The audit trail: every admin change is recorded in the same transaction as the change,
//! with who, what, when, and the record before and after.

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
