//! One published version of an item's service guide (办事指南版本): the guide as the public
//! read it from `published_at` until the next version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub item_id: i32,
    /// 1, 2, … per item.
    pub version: i32,
    /// The published guide (`PublicItem`) as JSON.
    pub snapshot: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
