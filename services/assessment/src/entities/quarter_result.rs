use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quarter_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub quarter: i32,
    pub revision: i32,
    pub system_key: String,
    /// `draft`, `submitted`, `approved`, `published`, `superseded`.
    pub status: String,
    pub reason: Option<String>,
    pub author: String,
    pub created_at: DateTimeUtc,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    /// The calendar version (`calendar_sync::fingerprint`) the result was scored with; NULL for
    /// results computed before migration 100004.
    pub calendar_version: Option<String>,
    /// User id (token `sub`) of whoever computed this revision.
    pub computed_by_id: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_by_id: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_by_id: Option<String>,
    /// Publication is due by this moment (the 10th of the quarter's next month, Fenghua).
    pub publication_due_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
