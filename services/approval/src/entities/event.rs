use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub case_id: i32,
    pub branch_id: Option<i32>,
    pub kind: String,
    pub actor_id: i32,
    pub actor_role: String,
    pub at: DateTimeUtc,
    pub from_state: String,
    pub to_state: String,
    /// The full event, JSON.
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
