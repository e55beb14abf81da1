use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: i32,
    pub case_id: i32,
    pub department_id: i32,
    pub pushed_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub late: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
