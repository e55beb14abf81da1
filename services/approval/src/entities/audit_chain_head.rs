//! The audit chain's head (one row, `id` = 1): where the chain ends, where it starts after the
//! retention purge (the anchor), and the retention the append-only trigger reads.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The `chain_seq` of the last sealed row (0: none yet).
    pub last_seq: i64,
    /// The `hash` of the last sealed row (the anchor's while none is sealed after it).
    pub last_hash: String,
    /// The `chain_seq` of the last row the retention purge removed (0: none).
    pub anchor_seq: i64,
    /// That row's `hash`: the `prev_hash` of the first row still kept.
    pub anchor_hash: String,
    /// `AUDIT_RETENTION_DAYS`, for the trigger that allows deleting only older rows.
    pub retention_days: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
