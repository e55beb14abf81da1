use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub at: DateTimeUtc,
    pub ok: bool,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
