use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `branch` or `claim`.
    pub subject_kind: String,
    pub subject_id: i32,
    pub case_id: i32,
    pub department_id: i32,
    /// `warning`, `yellow`, `red`, `unclaimed`.
    pub level: String,
    pub reason: String,
    pub issued_at: DateTimeUtc,
    /// JSON array of the addresses notified.
    pub notified: String,
    pub acknowledged_by: Option<i32>,
    pub acknowledged_by_name: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// `finished_late`, `revoked`, `claimed`.
    pub closed_how: Option<String>,
    pub closed_reason: Option<String>,
    pub closed_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
