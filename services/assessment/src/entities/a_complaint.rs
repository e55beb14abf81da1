use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_complaints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub complaint_id: i32,
    pub case_id: i32,
    pub department_id: Option<i32>,
    pub filed_at: DateTimeUtc,
    pub status: String,
    pub due_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    /// A supervisor's finding: `valid` (有效) or `invalid` (无效).
    pub finding: Option<String>,
    pub found_at: Option<DateTimeUtc>,
    /// The person the complaint names, per the finding.
    pub staff_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
