//! A department's self-assessment for a quarter (部门自评, Liaocheng).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    /// Hundredths of a point, 0..=10000.
    pub score: i32,
    pub summary: String,
    /// JSON array of evidence references.
    pub evidence: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
