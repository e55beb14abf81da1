use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "callback_samples")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub seed: i64,
    pub population: i32,
    /// JSON array of the sampled case ids.
    pub case_ids: String,
    pub drawn_at: DateTimeUtc,
    pub drawn_by: String,
    /// What the seed was derived from, committed before the draw (quarter, department, feed
    /// position): anyone can recompute it.
    pub seed_basis: Option<String>,
    /// The feed head when the sample was drawn.
    pub feed_seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
