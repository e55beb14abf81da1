use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub case_no: String,
    pub bundle_id: Option<i32>,
    pub item_id: Option<i32>,
    pub applicant_kind: String,
    pub applicant_name: String,
    /// Sealed (`cases::vault`: AES-256-GCM, `v1:…`); a row from before encryption holds the
    /// value until the start-up pass seals it.
    pub applicant_id_number: String,
    /// Sealed like the ID number.
    pub applicant_phone: Option<String>,
    /// HMAC-SHA-256 of the normalised ID number (`cases::vault::PiiVault::search_hash`), for
    /// exact search; none on a row not sealed yet.
    pub applicant_id_hash: Option<String>,
    /// Where written notices to the applicant go, when given.
    pub applicant_email: Option<String>,
    /// JSON array of received and 容缺 materials.
    pub materials: String,
    pub state: String,
    pub stage_count: i32,
    pub join_policy: String,
    pub accepted_at: DateTimeUtc,
    pub accepted_by: i32,
    pub due_at: DateTimeUtc,
    pub fee_total_cents: i64,
    pub paid_cents: i64,
    pub payment_ref: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub issued_at: Option<DateTimeUtc>,
    pub closed_reason: Option<String>,
    pub version: i64,
    pub updated_at: DateTimeUtc,
    /// The overall due moment was computed over a year without a published holiday table.
    pub provisional: bool,
    /// The bundle's lead department (牵头部门), or the single item's department: the case's
    /// own clock cards it.
    pub lead_department_id: Option<i32>,
    /// The case clock's alerts so far: 0 none, 2 yellow, 3 red, 4 issuance overdue.
    pub alert_level: i32,
    /// When the sweep next has something to issue for the case itself.
    pub next_alert_at: Option<DateTimeUtc>,
    /// When the case was decided (ready for issuance).
    pub decided_at: Option<DateTimeUtc>,
    /// 送达/发证 due: 10 working days after the decision (行政许可法 第四十四条).
    pub issuance_due_at: Option<DateTimeUtc>,
    /// When the issuance reached the platform; `issued_at` is when it really happened.
    pub issued_recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
