//! A written admonition (效能告诫) to a person or a unit, with the facts it rests on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admonitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub staff_id: Option<i32>,
    pub department_id: i32,
    /// JSON array of fact references (`card:…`, `complaint:…`).
    pub facts: String,
    pub text: String,
    pub issued_by: String,
    pub issued_at: DateTimeUtc,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
