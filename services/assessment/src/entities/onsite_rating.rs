use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "onsite_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub department_id: i32,
    pub level: String,
    pub rated_at: DateTimeUtc,
    /// The window visit rated (queue ticket / 取号 number): one rating per case and visit.
    pub visit_ref: Option<String>,
    /// Where the rating came from (`evaluator`, `pad`, …).
    pub channel: Option<String>,
    pub idempotency_key: Option<String>,
    /// The window worker who served (staff register id).
    pub staff_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
