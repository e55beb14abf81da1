use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "callback_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub sample_id: i32,
    pub case_id: i32,
    pub level: String,
    pub answered_at: DateTimeUtc,
    pub comment: Option<String>,
    /// 意见建议.
    pub suggestion: Option<String>,
    pub answered_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
