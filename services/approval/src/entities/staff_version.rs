//! One version of a staff record (窗口工作人员 history): the full snapshot, who changed it,
//! when, why.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub staff_id: i32,
    pub version: i64,
    /// The staff record as it was at this version, JSON.
    pub snapshot: String,
    pub changed_by: i32,
    pub changed_at: DateTimeUtc,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
