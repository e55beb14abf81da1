use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "haocha_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub applicant_id: String,
    pub department_id: Option<i32>,
    pub level: String,
    pub rated_at: DateTimeUtc,
    /// `pc`, `app`, `sms`, `window`, `hotline` (the 好差评 channels).
    pub channel: Option<String>,
    /// The person rated, when known.
    pub staff_id: Option<i32>,
    /// The rater's own words (public page), at most 500 characters.
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
