//! The audit trail: every admin change is recorded in the same transaction as the change,
//! with who, what, when, and the record before and after.

use chrono::{DateTime, Utc};
use platform::auth::AuthUser;
use platform::ApiError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::entities::audit_log;

pub async fn record<C: ConnectionTrait, B: Serialize, A: Serialize>(
    conn: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ApiError> {
    let to_json = |v: Option<String>| v;
    let before = to_json(before.map(|b| serde_json::to_string(b).unwrap_or_default()));
    let after = to_json(after.map(|a| serde_json::to_string(a).unwrap_or_default()));
    audit_log::ActiveModel {
        at: Set(now),
        actor_id: Set(Some(actor.id)),
        actor_name: Set(actor.name.clone()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id.to_string()),
        before: Set(before),
        after: Set(after),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
