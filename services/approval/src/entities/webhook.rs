//! One webhook subscription and its delivery state (cursor, failures, lease).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub url: String,
    /// JSON array of event kinds; empty = every kind.
    pub event_kinds: String,
    pub department_id: Option<i32>,
    pub secret: String,
    pub active: bool,
    /// `ok`, `retrying` or `dead`.
    pub status: String,
    /// The feed `seq` up to which every event is delivered (or filtered out).
    pub cursor: i64,
    /// Consecutive failed attempts.
    pub failures: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    pub lease_token: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
