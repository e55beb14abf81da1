//! The event log: every change to a case or branch is an immutable row (who, what, when,
//! before/after state, the full event as JSON). Its `seq` is the feed's cursor.
//!
//! No gaps a reader could skip: on PostgreSQL every transaction that appends events first
//! takes one transaction-scoped advisory lock, so sequence numbers are assigned and committed
//! in the same order; SQLite has one writer at a time anyway. A reader that has seen `seq = n`
//! will never later find a committed event with a smaller `seq`.

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set, Statement};
use serde_json::Value;

use crate::entities::event;

/// The advisory-lock key that orders event appends (PostgreSQL).
const EVENT_APPEND_LOCK: i64 = 0x5041_4556; // "PAEV"

/// One row to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub case_id: i32,
    pub branch_id: Option<i32>,
    pub kind: String,
    pub from_state: String,
    pub to_state: String,
    pub payload: Value,
}

impl NewEvent {
    pub fn from_workflow(e: &workflow::Event) -> Self {
        let (from, to) = e.states();
        NewEvent {
            case_id: e.case_id() as i32,
            branch_id: e.branch_id().map(|b| b as i32),
            kind: e.kind().to_string(),
            from_state: from.to_string(),
            to_state: to.to_string(),
            payload: serde_json::to_value(e).unwrap_or(Value::Null),
        }
    }
}

/// Append events in order, under the append lock. Call last in the transaction, just before
/// commit, so the lock is held briefly.
pub async fn append<C: ConnectionTrait>(
    c: &C,
    actor_id: i32,
    actor_role: &str,
    at: DateTime<Utc>,
    events: Vec<NewEvent>,
) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    if c.get_database_backend() == DbBackend::Postgres {
        c.execute(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_advisory_xact_lock({EVENT_APPEND_LOCK})"),
        ))
        .await?;
    }
    for e in events {
        debug_assert!(
            super::kinds::is_kind(&e.kind),
            "event kind `{}` is not in cases::kinds::EVENT_KINDS",
            e.kind
        );
        #[cfg(debug_assertions)]
        if let Err(err) = super::payloads::check_payload(&e.kind, &e.payload) {
            debug_assert!(
                false,
                "the payload of a `{}` event does not match its type in cases::payloads: {err}; payload: {}",
                e.kind, e.payload
            );
        }
        event::ActiveModel {
            case_id: Set(e.case_id),
            branch_id: Set(e.branch_id),
            kind: Set(e.kind),
            actor_id: Set(actor_id),
            actor_role: Set(actor_role.to_string()),
            at: Set(at),
            from_state: Set(e.from_state),
            to_state: Set(e.to_state),
            payload: Set(e.payload.to_string()),
            ..Default::default()
        }
        .insert(c)
        .await?;
    }
    Ok(())
}
