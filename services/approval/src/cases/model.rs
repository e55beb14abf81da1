//! Request and response shapes of the case API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person (ID number, GB 11643) or an enterprise (unified social credit code, GB 32100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Enterprise,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Person => "person",
            ApplicantKind::Enterprise => "enterprise",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    /// Citizen ID number (person) or unified social credit code (enterprise), 18 characters,
    /// check character verified.
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A material handed in at the window, or accepted as missing (容缺).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialInput {
    pub item_code: String,
    pub material_code: String,
    /// `true` = accepted as missing (容缺受理); allowed only where the item allows it.
    #[serde(default)]
    pub missing: bool,
    /// Date the applicant promises to deliver a missing material; required when `missing`.
    #[serde(default)]
    pub promised_by: Option<NaiveDate>,
}

/// Submit a case (一口受理): for a bundle, or for a single item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// The parallel bundle; give this or `item_code`.
    #[serde(default)]
    pub bundle_code: Option<String>,
    /// A single approval item; give this or `bundle_code`.
    #[serde(default)]
    pub item_code: Option<String>,
    pub applicant: Applicant,
    /// Every material received, and every 容缺 one.
    #[serde(default)]
    pub materials: Vec<MaterialInput>,
}

/// The one payment for all items (一站缴费).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Must equal the case's `fee_total_cents`.
    pub amount_cents: i64,
    /// Receipt or transaction reference.
    pub reference: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BranchView {
    pub id: i32,
    pub case_id: i32,
    pub item_id: i32,
    pub department_id: i32,
    pub stage: i32,
    /// e.g. `received`, `reviewing`, `approving`, `awaiting_supplement`,
    /// `suspended:approving:hearing`, `approved`, `rejected`, `cancelled`.
    pub state: String,
    pub extension_used: bool,
    pub decision_note: Option<String>,
    /// Due moment of the statutory clock; absent while the clock is paused.
    pub due_at: Option<DateTime<Utc>>,
    /// Early-warning moment; absent while paused.
    pub warn_at: Option<DateTime<Utc>>,
    pub paused: bool,
    /// Still open and past its due moment.
    pub overdue: bool,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Send as `If-Match: "<version>"` with a command to refuse it if the branch changed.
    pub version: i64,
    /// Material codes the open supplement request (补正) still waits for; empty otherwise.
    pub pending_materials: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    pub id: i32,
    /// The case number given to the applicant.
    pub case_no: String,
    pub bundle_id: Option<i32>,
    pub item_id: Option<i32>,
    pub applicant: Applicant,
    pub materials: Vec<MaterialInput>,
    /// `accepted`, `in_progress:<stage>`, `ready_for_issuance`, `issued`, `rejected`, `withdrawn`.
    pub state: String,
    pub stage_count: i32,
    pub accepted_at: DateTime<Utc>,
    /// The overall promised due moment.
    pub due_at: DateTime<Utc>,
    /// Sum of the items' fees, in fen (一站缴费).
    pub fee_total_cents: i64,
    pub paid_cents: i64,
    pub payment_ref: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
    /// Why the case was rejected (each department's reason) or withdrawn.
    pub closed_reason: Option<String>,
    pub version: i64,
    pub branches: Vec<BranchView>,
}

/// One entry of the event log / feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Position in the feed; strictly increasing in commit order.
    pub seq: i64,
    pub case_id: i32,
    pub branch_id: Option<i32>,
    /// e.g. `case_accepted`, `review_started`, `branch_approved`, `case_ready`.
    pub kind: String,
    pub actor_id: i32,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub from_state: String,
    pub to_state: String,
    /// The full event.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<EventView>,
    /// Pass as `after` to continue; equals the request's `after` when nothing is new.
    pub next_after: i64,
    /// The newest `seq` in the log now: `head_seq - next_after` is how far behind a reader is.
    pub head_seq: i64,
    /// The feed's identity: a random id made when this database first served the feed. A
    /// reader that sees another epoch than the one its cursor belongs to is reading a
    /// different (e.g. restored or re-created) database and must stop, not skip.
    pub epoch: String,
}
