//! A power of the power list (权责清单): what a department may and must do, by law.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "powers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// snake_case `PowerKind`.
    pub kind: String,
    pub legal_basis: String,
    /// Must be handled in the hall (应进驻).
    pub in_hall: bool,
    /// Must be under e-supervision (应纳入电子监察).
    pub e_supervised: bool,
    /// `active`, `suspended`, `abolished`.
    pub status: String,
    pub public: bool,
    /// 1 when created, +1 per change.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
