//! Volume a department reports handling for a power in a quarter (from its own statistics).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "power_volumes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub power_code: String,
    pub year: i32,
    pub quarter: i32,
    pub count: i64,
    /// Where the figure comes from (report, statistics table).
    pub source: String,
    pub entered_by: String,
    pub entered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
