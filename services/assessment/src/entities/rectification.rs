use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `failing_score` or `bad_rating`.
    pub kind: String,
    pub source_ref: String,
    pub department_id: i32,
    pub due_at: DateTimeUtc,
    /// `open`, `submitted`, `accepted`, `returned`, `escalated`.
    pub status: String,
    pub text: Option<String>,
    pub attachment_ref: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    pub reminded_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The person ordered (a self-examination order may name one).
    pub staff_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
