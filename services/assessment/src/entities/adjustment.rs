use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    /// `bonus` (加分项) or `deduction`.
    pub kind: String,
    pub points: i64,
    pub reason: String,
    pub entered_by: String,
    pub entered_at: DateTimeUtc,
    /// The fact a deduction rests on (record id or document number).
    pub source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
