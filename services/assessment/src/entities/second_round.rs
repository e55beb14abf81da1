//! A second assessment round (二次考核, Hohhot) for a unit whose published result met the
//! system's dual condition.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "second_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub result_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub department_id: i32,
    pub reason: String,
    /// The first round's total, hundredths.
    pub first_total: i32,
    pub due_at: DateTimeUtc,
    /// `open` or `scored`.
    pub status: String,
    pub score: Option<i32>,
    /// JSON array of evidence references.
    pub evidence: Option<String>,
    pub comment: Option<String>,
    pub scored_by: Option<String>,
    pub scored_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
