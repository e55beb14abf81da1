use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub card_key: String,
    pub case_id: i32,
    pub department_id: i32,
    pub level: String,
    pub issued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
