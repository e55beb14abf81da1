use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: i32,
    pub code: String,
    pub name: String,
    pub head_email: Option<String>,
    pub window_email: Option<String>,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
