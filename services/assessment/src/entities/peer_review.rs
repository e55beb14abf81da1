//! One department's rating of another's cooperation in shared bundles (协作互评, Liaocheng).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peer_reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub from_department_id: i32,
    pub to_department_id: i32,
    pub year: i32,
    pub quarter: i32,
    /// Hundredths of a point, 0..=10000.
    pub score: i32,
    pub comment: String,
    pub rated_by: String,
    pub rated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
