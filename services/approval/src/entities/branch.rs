use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub item_id: i32,
    pub department_id: i32,
    pub stage: i32,
    pub state: String,
    pub extension_used: bool,
    pub decision_note: Option<String>,
    /// JSON of the statutory clock (calendar::StatutoryClock).
    pub clock: String,
    pub due_at: Option<DateTimeUtc>,
    pub warn_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
