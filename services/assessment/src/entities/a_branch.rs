use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_branches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: i32,
    pub case_id: i32,
    pub department_id: i32,
    pub item_id: i32,
    pub opened_at: DateTimeUtc,
    pub due_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    /// `approved`, `rejected`, `cancelled`.
    pub outcome: Option<String>,
    /// When the decision reached the platform (`decided_at` is when it was made).
    pub recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
