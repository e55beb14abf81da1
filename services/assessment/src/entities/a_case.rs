use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: i32,
    pub case_no: String,
    pub applicant_kind: String,
    pub accepted_at: DateTimeUtc,
    pub state: String,
    pub updated_at: DateTimeUtc,
    /// `platform::identity::applicant_key` of the applicant (never the ID number itself).
    pub applicant_key: Option<String>,
    /// When the certificates were issued (统一发证), as the hall says.
    pub issued_at: Option<DateTimeUtc>,
    /// When the issuance reached the platform.
    pub issued_recorded_at: Option<DateTimeUtc>,
    /// JSON array of the departments whose licences were issued.
    pub issued_departments: Option<String>,
    /// `platform::identity::check_key(case_no, last 6 of the ID)`: verifies public ratings.
    pub check_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
