//! An e-supervision bulletin (电子监察通报), numbered per year once published.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulletins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    /// 第N期, given at publication.
    pub number: Option<i32>,
    pub title: String,
    pub period_from: Date,
    pub period_to: Date,
    pub body: String,
    /// JSON array of fact references the bulletin rests on.
    pub facts: String,
    /// JSON array of the units it names (and is sent to).
    pub department_ids: String,
    /// `draft`, `approved`, `published`.
    pub status: String,
    pub drafted_by: String,
    pub drafted_at: DateTimeUtc,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
