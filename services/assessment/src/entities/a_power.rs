//! A power of the department's power list (权责清单), as the approval feed last said.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_powers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub power_id: i32,
    pub department_id: i32,
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Must be handled in the hall (应进驻).
    pub in_hall: bool,
    /// Must be under e-supervision (应纳入电子监察).
    pub e_supervised: bool,
    /// `active`, `suspended`, `abolished`.
    pub status: String,
    pub public: bool,
    /// JSON array of the active catalogue items that carry the power.
    pub item_ids: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
