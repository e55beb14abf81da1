//! A staff indicator system (`scoring::StaffSystem`, JSON), applying from a year on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_systems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year_from: i32,
    pub definition: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
