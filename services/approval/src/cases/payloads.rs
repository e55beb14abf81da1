//! The payload of every feed event kind, as a type: one struct per kind of
//! [`super::kinds::EVENT_KINDS`], listed in [`PAYLOAD_TYPES`]. The OpenAPI schema
//! `FeedEvent_<kind>` refers to its struct's schema for `payload`, and `events::append` checks
//! (in debug builds, i.e. in every test) that each appended payload deserialises into its
//! kind's struct, unknown fields refused. Times are UTC, RFC 3339.
//!
//! These types describe the wire; the payloads themselves are still built where the events
//! happen (`workflow::Event` plus the keys `cases::store` adds, or `json!` objects).

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

use crate::catalogue::powers::{PowerKind, PowerStatus};
use crate::catalogue::staff::StaffPost;

// ---------------------------------------------------------------- cases and branches

/// Payload of `case_accepted`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAcceptedPayload {
    /// Always `case_accepted` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i32,
    /// The case number (办件编号) given to the applicant.
    pub case_no: String,
    /// The bundle (一件事) applied for; null for a single item.
    pub bundle_id: Option<i32>,
    /// The item (事项) applied for; null for a bundle.
    pub item_id: Option<i32>,
    /// The applicant's kind (`person`, `organisation`, …).
    pub applicant_kind: String,
    /// The hashed identity of the applicant (申请人标识), never the ID number itself.
    pub applicant_key: String,
    /// The hash a public lookup or rating must match (number + last six identity characters).
    pub check_key: String,
    /// The fee of every item together, in fen.
    pub fee_total_cents: i64,
    /// How many materials were tolerated as missing (容缺受理).
    pub tolerated_missing: u32,
    /// When the case is promised to be done.
    pub due_at: DateTime<Utc>,
    /// Whether the due moment is provisional (a holiday table it reaches is not published).
    pub provisional: bool,
    /// When it was accepted.
    pub at: DateTime<Utc>,
}

/// Payload of `branch_opened`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchOpenedPayload {
    /// Always `branch_opened` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The branch (分件).
    pub branch_id: i32,
    /// Its case.
    pub case_id: i32,
    /// The item the branch decides.
    pub item_id: i32,
    /// The deciding department.
    pub department_id: i32,
    /// The stage of the bundle the branch belongs to (1 for a single item).
    pub stage: i32,
    /// When its clock started.
    pub opened_at: DateTime<Utc>,
    /// When the branch must be decided; null without a time limit.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning (预警) is due; null without a time limit.
    pub warn_at: Option<DateTime<Utc>>,
    /// When it was opened (= `opened_at`).
    pub at: DateTime<Utc>,
    /// Whether the due moment is provisional (a holiday table it reaches is not published).
    pub provisional: bool,
    /// The statutory due moment (法定时限), null without one.
    pub statutory_due_at: Option<DateTime<Utc>>,
}

/// Payload of `payment_recorded`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecordedPayload {
    /// Always `payment_recorded` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i32,
    /// The amount paid, in fen.
    pub amount_cents: i64,
    /// The payment reference (缴款凭证).
    pub reference: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

macro_rules! branch_payload {
    ($(#[$m:meta])* $name:ident, $kind:literal { $($(#[$fm:meta])* $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[doc = concat!("Always `", $kind, "` (= the event's `kind`).")]
            #[serde(rename = "type")]
            pub r#type: String,
            /// The branch (分件).
            pub branch_id: i64,
            /// Its case.
            pub case_id: i64,
            /// The deciding department.
            pub department_id: i64,
            /// Who acted (0 = the system).
            pub actor_id: i64,
            /// The branch state before.
            pub from: String,
            /// The branch state after.
            pub to: String,
            $($(#[$fm])* pub $f: $t,)*
            /// When it happened.
            pub at: DateTime<Utc>,
            /// When the branch must be decided; null without a time limit.
            pub due_at: Option<DateTime<Utc>>,
            /// Whether the due moment is provisional (a holiday table it reaches is not published).
            pub provisional: bool,
            /// The statutory due moment (法定时限), null without one.
            pub statutory_due_at: Option<DateTime<Utc>>,
            /// When the branch's clock started.
            pub opened_at: DateTime<Utc>,
            /// The item the branch decides.
            pub item_id: i32,
        }
    };
}

branch_payload!(
    /// Payload of `review_started`.
    ReviewStartedPayload, "review_started" {}
);
branch_payload!(
    /// Payload of `reviewed`.
    ReviewedPayload, "reviewed" {
        /// The reviewer's opinion (一审意见).
        opinion: String,
    }
);
branch_payload!(
    /// Payload of `branch_approved`.
    BranchApprovedPayload, "branch_approved" {
        /// The approver's opinion (一核意见).
        opinion: String,
        /// When the decision really happened (may be before it reached the platform).
        decided_at: Option<DateTime<Utc>>,
        /// When the decision reached the platform.
        recorded_at: Option<DateTime<Utc>>,
    }
);
branch_payload!(
    /// Payload of `branch_rejected`.
    BranchRejectedPayload, "branch_rejected" {
        /// The reason given on rejection.
        reason: String,
        /// When the decision really happened (may be before it reached the platform).
        decided_at: Option<DateTime<Utc>>,
        /// When the decision reached the platform.
        recorded_at: Option<DateTime<Utc>>,
    }
);
branch_payload!(
    /// Payload of `supplement_requested`.
    SupplementRequestedPayload, "supplement_requested" {
        /// The materials asked for (补正材料).
        missing: Vec<String>,
        /// The note to the applicant.
        note: String,
    }
);
branch_payload!(
    /// Payload of `supplement_received`.
    SupplementReceivedPayload, "supplement_received" {
        /// The materials that arrived.
        received: Vec<String>,
        /// Still missing after this delivery (waived when `resume_reason` is set).
        #[serde(default)]
        outstanding: Vec<String>,
        /// Why the department resumed with materials outstanding; absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_reason: Option<String>,
    }
);
branch_payload!(
    /// Payload of `suspended`.
    SuspendedPayload, "suspended" {
        /// The special procedure (特别程序).
        procedure: SpecialProcedure,
        /// What the procedure is about.
        note: String,
        /// When the procedure is expected to end (local date, `YYYY-MM-DD`); null if unknown.
        #[serde(default)]
        expected_end: Option<NaiveDate>,
        /// The written notice to the applicant.
        #[serde(default)]
        notice_ref: String,
    }
);
branch_payload!(
    /// Payload of `resumed`.
    ResumedPayload, "resumed" {}
);
branch_payload!(
    /// Payload of `extended`.
    ExtendedPayload, "extended" {
        /// The working days added (延期).
        days: u32,
        /// Why, as told to the applicant.
        reason: String,
        /// The approving 负责人 (user id).
        approver_id: i64,
    }
);
branch_payload!(
    /// Payload of `branch_cancelled`.
    BranchCancelledPayload, "branch_cancelled" {
        /// Why the system cancelled it (the case was withdrawn or rejected).
        reason: String,
    }
);

/// A special procedure (特别程序) whose time does not count against the statutory limit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecialProcedure {
    /// Hearing (听证).
    Hearing,
    /// Expert review (专家评审).
    ExpertReview,
    /// Testing, inspection, quarantine (检验检测检疫).
    Testing,
    /// Another statutory procedure, described in `note`.
    Other,
}

/// Payload of `supplement_allowed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementAllowedPayload {
    /// Always `supplement_allowed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The branch.
    pub branch_id: i32,
    /// Its case.
    pub case_id: i32,
    /// The deciding department.
    pub department_id: i32,
    /// Why the admin allowed one more supplement request.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `stage_opened`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageOpenedPayload {
    /// Always `stage_opened` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i64,
    /// The case state before.
    pub from: String,
    /// The case state after.
    pub to: String,
    /// The stage now open (1-based).
    pub stage: u32,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `case_ready`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseReadyPayload {
    /// Always `case_ready` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i64,
    /// The case state before.
    pub from: String,
    /// The case state after (`ready_for_issuance`).
    pub to: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One rejecting branch of a rejected case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRejection {
    /// The rejecting department.
    pub department_id: i64,
    /// Its branch.
    pub branch_id: i64,
    /// The rejected item.
    pub item_id: i64,
    /// The reason given on rejection.
    pub reason: String,
}

/// Payload of `case_rejected`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseRejectedPayload {
    /// Always `case_rejected` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i64,
    /// The case state before.
    pub from: String,
    /// The case state after.
    pub to: String,
    /// Every rejecting department, with its reason (不予许可).
    pub rejections: Vec<DepartmentRejection>,
    /// The branches still open that the rejection cancelled.
    pub cancelled_branch_ids: Vec<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `case_withdrawn`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseWithdrawnPayload {
    /// Always `case_withdrawn` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i64,
    /// Who recorded the withdrawal (撤件).
    pub actor_id: i64,
    /// The case state before.
    pub from: String,
    /// The case state after.
    pub to: String,
    /// The applicant's reason.
    pub reason: String,
    /// The branches still open that the withdrawal cancelled.
    pub cancelled_branch_ids: Vec<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `case_issued`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseIssuedPayload {
    /// Always `case_issued` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The case.
    pub case_id: i64,
    /// The clerk who issued the results (统一发证).
    pub actor_id: i64,
    /// The case state before.
    pub from: String,
    /// The case state after.
    pub to: String,
    /// When it was recorded (= `recorded_at`).
    pub at: DateTime<Utc>,
    /// When the results were really issued (may be before it reached the platform).
    pub issued_at: DateTime<Utc>,
    /// When the issuance reached the platform.
    pub recorded_at: DateTime<Utc>,
    /// The departments whose approvals the certificates carry, ascending.
    pub department_ids: Vec<i32>,
}

/// A branch's moments before or after a re-plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplanMoments {
    /// When the branch must be decided; null without a time limit.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning (预警) is due.
    pub warn_at: Option<DateTime<Utc>>,
    /// When the red card (红牌) is due.
    pub red_at: Option<DateTime<Utc>>,
    /// The statutory due moment (法定时限).
    pub statutory_due_at: Option<DateTime<Utc>>,
    /// Whether the due moment is provisional (a holiday table it reaches is not published).
    pub provisional: bool,
}

/// Payload of `deadline_replanned`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineReplannedPayload {
    /// Always `deadline_replanned` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The branch.
    pub branch_id: i32,
    /// Its case.
    pub case_id: i32,
    /// The deciding department.
    pub department_id: i32,
    /// The item the branch decides.
    pub item_id: i32,
    /// The year whose holiday table changed.
    pub year: i32,
    /// The moments before.
    pub before: ReplanMoments,
    /// The moments after.
    pub after: ReplanMoments,
    /// When the branch's clock started.
    pub opened_at: DateTime<Utc>,
    /// The new due moment (= `after.due_at`).
    pub due_at: Option<DateTime<Utc>>,
    /// Whether the new due moment is provisional (= `after.provisional`).
    pub provisional: bool,
    /// When it was re-planned.
    pub at: DateTime<Utc>,
}

// ---------------------------------------------------------------- e-supervision

/// Payload of `card_issued`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardIssuedPayload {
    /// Always `card_issued` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The level (`warning`, `yellow`, `red`, …).
    pub level: String,
    /// What it is about (`branch`, `case`, `claim`, …).
    pub subject_kind: String,
    /// The id of that subject.
    pub subject_id: i32,
    /// The case.
    pub case_id: i32,
    /// The department it is issued to.
    pub department_id: i32,
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `card_revoked`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardRevokedPayload {
    /// Always `card_revoked` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The card.
    pub card_id: i32,
    /// Its level.
    pub level: String,
    /// What it was about (`branch`, `case`, `claim`, …).
    pub subject_kind: String,
    /// The id of that subject.
    pub subject_id: i32,
    /// The department it was issued to.
    pub department_id: i32,
    /// The supervisor's reason for revoking.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `claim_pushed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimPushedPayload {
    /// Always `claim_pushed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The approved branch.
    pub branch_id: i32,
    /// Its case.
    pub case_id: i32,
    /// The supervising department that must claim (认领) it.
    pub department_id: i32,
    /// By when.
    pub due_at: DateTime<Utc>,
    /// When it was pushed.
    pub at: DateTime<Utc>,
}

/// Payload of `claim_claimed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimClaimedPayload {
    /// Always `claim_claimed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The claim.
    pub claim_id: i32,
    /// The supervising department that claimed it.
    pub department_id: i32,
    /// By when it had to be claimed.
    pub due_at: DateTime<Utc>,
    /// Whether it was claimed after `due_at`.
    pub late: bool,
    /// When it was claimed.
    pub at: DateTime<Utc>,
}

/// Payload of `complaint_filed`, `complaint_assigned`, `complaint_answered` and
/// `complaint_closed` (one shape; `type` tells them apart).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPayload {
    /// The kind: `complaint_filed`, `complaint_assigned`, `complaint_answered` or
    /// `complaint_closed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The complaint (投诉).
    pub complaint_id: i32,
    /// The case complained about.
    pub case_id: i32,
    /// The department it is assigned to; null before assignment.
    pub department_id: Option<i32>,
    /// By when the department must answer; null before assignment.
    pub due_at: Option<DateTime<Utc>>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `complaint_found`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintFoundPayload {
    /// Always `complaint_found` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The complaint.
    pub complaint_id: i32,
    /// The case complained about.
    pub case_id: i32,
    /// The department it was assigned to.
    pub department_id: Option<i32>,
    /// The finding (`valid` / `invalid`).
    pub finding: Option<String>,
    /// The supervisor's reason for the finding.
    pub reason: Option<String>,
    /// The supervisor who recorded it.
    pub found_by: Option<i32>,
    /// The staff member (窗口工作人员) the complaint concerns, if named.
    pub staff_id: Option<i32>,
    /// When.
    pub at: DateTime<Utc>,
}

// ---------------------------------------------------------------- catalogue

/// Payload of `item_changed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemChangedPayload {
    /// Always `item_changed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The approval item (事项).
    pub item_id: i32,
    /// Its code.
    pub code: String,
    /// Its department.
    pub department_id: i32,
    /// False when it was deleted.
    pub active: bool,
    /// Whether its public guide (办事指南) is complete.
    pub guide_complete: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `power_changed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerChangedPayload {
    /// Always `power_changed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The power (权责清单 entry).
    pub power_id: i32,
    /// Its department.
    pub department_id: i32,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its kind (行政许可, 行政处罚, …).
    pub kind: PowerKind,
    /// Its legal basis.
    pub legal_basis: String,
    /// Whether it is handled in the hall.
    pub in_hall: bool,
    /// Whether it is under e-supervision.
    pub e_supervised: bool,
    /// Its status after the change.
    pub status: PowerStatus,
    /// Whether it is published.
    pub public: bool,
    /// Its version after the change.
    pub version: i64,
    /// The items that implement it.
    pub item_ids: Vec<i32>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Payload of `staff_changed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffChangedPayload {
    /// Always `staff_changed` (= the event's `kind`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// The staff register entry.
    pub staff_id: i32,
    /// The staff member's name.
    pub name: String,
    /// The department.
    pub department_id: i32,
    /// The window number; null if none.
    pub window_no: Option<String>,
    /// The post (岗位).
    pub post: StaffPost,
    /// First day of the assignment (local date, `YYYY-MM-DD`).
    pub assigned_from: NaiveDate,
    /// Last day of the assignment; null while open-ended.
    pub assigned_to: Option<NaiveDate>,
    /// The linked user account, if any.
    pub user_id: Option<i32>,
    /// The entry's version after the change.
    pub version: i64,
    /// When.
    pub at: DateTime<Utc>,
}

// ---------------------------------------------------------------- the table

/// The payload type of one kind.
pub struct PayloadType {
    /// The kind (as in `EVENT_KINDS`).
    pub kind: &'static str,
    /// The component name of the payload's schema.
    pub name: fn() -> String,
    /// Deserialise a payload into the type; serde's error on failure.
    pub check: fn(&Value) -> Result<(), String>,
    /// Push the payload's schema and the schemas it refers to.
    pub schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

fn name<T: ToSchema>() -> String {
    T::name().into_owned()
}

fn check<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
}

fn schemas<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

macro_rules! table {
    ($($kind:literal => $t:ty,)*) => {
        /// Every kind with its payload type; a unit test checks it matches `EVENT_KINDS`.
        pub const PAYLOAD_TYPES: &[PayloadType] = &[$(PayloadType {
            kind: $kind,
            name: name::<$t>,
            check: check::<$t>,
            schemas: schemas::<$t>,
        },)*];
    };
}

table! {
    "case_accepted" => CaseAcceptedPayload,
    "branch_opened" => BranchOpenedPayload,
    "payment_recorded" => PaymentRecordedPayload,
    "review_started" => ReviewStartedPayload,
    "reviewed" => ReviewedPayload,
    "branch_approved" => BranchApprovedPayload,
    "branch_rejected" => BranchRejectedPayload,
    "supplement_requested" => SupplementRequestedPayload,
    "supplement_received" => SupplementReceivedPayload,
    "supplement_allowed" => SupplementAllowedPayload,
    "suspended" => SuspendedPayload,
    "resumed" => ResumedPayload,
    "extended" => ExtendedPayload,
    "branch_cancelled" => BranchCancelledPayload,
    "stage_opened" => StageOpenedPayload,
    "case_ready" => CaseReadyPayload,
    "case_rejected" => CaseRejectedPayload,
    "case_withdrawn" => CaseWithdrawnPayload,
    "case_issued" => CaseIssuedPayload,
    "deadline_replanned" => DeadlineReplannedPayload,
    "card_issued" => CardIssuedPayload,
    "card_revoked" => CardRevokedPayload,
    "claim_pushed" => ClaimPushedPayload,
    "claim_claimed" => ClaimClaimedPayload,
    "complaint_filed" => ComplaintPayload,
    "complaint_assigned" => ComplaintPayload,
    "complaint_answered" => ComplaintPayload,
    "complaint_closed" => ComplaintPayload,
    "complaint_found" => ComplaintFoundPayload,
    "item_changed" => ItemChangedPayload,
    "power_changed" => PowerChangedPayload,
    "staff_changed" => StaffChangedPayload,
}

/// The payload type of a kind.
pub fn payload_type(kind: &str) -> Option<&'static PayloadType> {
    PAYLOAD_TYPES.iter().find(|p| p.kind == kind)
}

/// Whether `payload` is a payload of `kind`: it deserialises into the kind's type (no unknown
/// field) and its `type` is the kind.
pub fn check_payload(kind: &str, payload: &Value) -> Result<(), String> {
    let p = payload_type(kind).ok_or_else(|| format!("no payload type for kind `{kind}`"))?;
    (p.check)(payload)?;
    match payload.get("type").and_then(Value::as_str) {
        Some(t) if t == kind => Ok(()),
        other => Err(format!("payload `type` is {other:?}, not the kind")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::kinds::EVENT_KINDS;
    use serde_json::json;

    #[test]
    fn every_kind_has_exactly_one_payload_type() {
        for (k, _) in EVENT_KINDS {
            let n = PAYLOAD_TYPES.iter().filter(|p| p.kind == *k).count();
            assert_eq!(n, 1, "kind `{k}` has {n} payload types in PAYLOAD_TYPES");
        }
        for p in PAYLOAD_TYPES {
            assert!(
                EVENT_KINDS.iter().any(|(k, _)| *k == p.kind),
                "payload type for `{}`, which is not in EVENT_KINDS",
                p.kind
            );
        }
    }

    #[test]
    fn a_payload_with_an_unknown_missing_or_mistyped_field_is_refused() {
        let ok = json!({"type": "payment_recorded", "case_id": 1, "amount_cents": 500,
            "reference": "R-1", "at": "2026-01-05T01:00:00Z"});
        check_payload("payment_recorded", &ok).unwrap();
        let mut extra = ok.clone();
        extra["surprise"] = json!(1);
        let e = check_payload("payment_recorded", &extra).unwrap_err();
        assert!(e.contains("surprise"), "{e}");
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove("reference");
        assert!(check_payload("payment_recorded", &missing).is_err());
        let mut typed = ok.clone();
        typed["amount_cents"] = json!("500");
        assert!(check_payload("payment_recorded", &typed).is_err());
        let mut wrong_type = ok.clone();
        wrong_type["type"] = json!("case_accepted");
        assert!(check_payload("payment_recorded", &wrong_type).is_err());
        assert!(check_payload("no_such_kind", &ok).is_err());
    }

    #[test]
    fn a_workflow_event_with_its_clock_is_a_payload() {
        let e = workflow::Event::Resumed {
            branch_id: 1,
            case_id: 2,
            department_id: 3,
            actor_id: 4,
            from: "suspended".into(),
            to: "reviewing".into(),
            at: "2026-01-05T01:00:00Z".parse().unwrap(),
        };
        let mut v = serde_json::to_value(&e).unwrap();
        // Without the keys `cases::store` adds, the payload is incomplete.
        assert!(check_payload("resumed", &v).is_err());
        let obj = v.as_object_mut().unwrap();
        obj.insert("due_at".into(), json!(null));
        obj.insert("provisional".into(), json!(false));
        obj.insert("statutory_due_at".into(), json!(null));
        obj.insert("opened_at".into(), json!("2026-01-02T01:00:00Z"));
        obj.insert("item_id".into(), json!(7));
        check_payload("resumed", &v).unwrap();
    }
}
