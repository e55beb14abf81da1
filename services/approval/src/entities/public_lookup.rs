//! One answered public case lookup (办件查询), counted without keeping what identifies anyone.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_lookups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The case, when number and check code matched.
    pub case_id: Option<i32>,
    /// Hex SHA-256 of the normalised case number asked, when nothing matched.
    pub case_no_hash: Option<String>,
    pub found: bool,
    pub at: DateTimeUtc,
    /// Keyed hex SHA-256 of the client address.
    pub address_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
