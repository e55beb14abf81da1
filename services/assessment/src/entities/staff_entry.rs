//! An inspector's dated entry on a person: conduct (人员行为规范, a deduction) or publicity
//! (宣传报道, a bonus).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub staff_id: i32,
    /// `conduct` or `publicity`.
    pub aspect: String,
    pub on_date: Date,
    /// attendance, dress, absence, conduct / report …
    pub kind: String,
    /// Hundredths, positive.
    pub points: i32,
    pub note: String,
    /// JSON array of evidence references.
    pub evidence: String,
    pub entered_by: String,
    pub entered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
