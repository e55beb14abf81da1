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
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// Where written notices to the applicant go (延期告知 …): optional; without it the notice
    /// is recorded as undeliverable for the window to hand over.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
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

/// The optional body of unified issuance (统一发证).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    /// When the certificates were really handed over (RFC 3339); absent = now. Not later than
    /// now, not earlier than the moment the case became ready for issuance (422
    /// `invalid_issued_at`).
    #[serde(default)]
    #[schema(nullable = false, example = "2026-03-13T15:00:00+08:00")]
    pub issued_at: Option<DateTime<Utc>>,
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
    /// When the branch was decided, as the department reports it (`decided_at` of `approve` /
    /// `reject`, or the moment the command arrived). Timeliness is judged on this moment.
    pub decided_at: Option<DateTime<Utc>>,
    /// When the decision reached the platform (数据交换: a late report shows here).
    pub recorded_at: Option<DateTime<Utc>>,
    /// Send as `If-Match: "<version>"` with a command to refuse it if the branch changed.
    pub version: i64,
    /// Material codes the open supplement request (补正) still waits for; empty otherwise.
    pub pending_materials: Vec<String>,
    /// The due, warning and red-card moments were computed over a year whose holiday table
    /// is not published yet (from the statutory rules); they are re-planned when it is.
    pub provisional: bool,
    /// Due moment of the statutory limit (法定期限), clocked with the same pauses and
    /// extensions as the promised one (`due_at`, 承诺期限); absent while paused.
    pub statutory_due_at: Option<DateTime<Utc>>,
    /// The statutory limit passed undecided: a `statutory_breach` card (超法定时限) was issued.
    pub statutory_breached: bool,
    /// Supplement requests (补正) made so far; a second one needs a supervisor's allowance.
    pub supplement_requests: i32,
    /// A supervisor allowed one more supplement request.
    pub supplement_allowed: bool,
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
    /// `due_at` was computed over a year whose holiday table is not published yet.
    pub provisional: bool,
    /// The bundle's lead department (牵头部门), or the single item's department: it sees every
    /// branch of the case, and the case's own cards are addressed to it.
    pub lead_department_id: Option<i32>,
    /// When every branch was decided (ready for issuance).
    pub decided_at: Option<DateTime<Utc>>,
    /// Issuance (送达/发证) is due 10 working days after the decision (行政许可法 第四十四条).
    pub issuance_due_at: Option<DateTime<Utc>>,
    /// Sum of the items' fees, in fen (一站缴费).
    pub fee_total_cents: i64,
    pub paid_cents: i64,
    pub payment_ref: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// When the certificates were really handed over (统一发证), as the window reports it.
    pub issued_at: Option<DateTime<Utc>>,
    /// When the issuance reached the platform.
    pub issued_recorded_at: Option<DateTime<Utc>>,
    /// Why the case was rejected (each department's reason) or withdrawn.
    pub closed_reason: Option<String>,
    pub version: i64,
    pub branches: Vec<BranchView>,
}

/// One entry of the event log / feed. Its OpenAPI schema (one per kind) is in `cases::kinds`.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// A special procedure (特别程序) whose time does not count against the limit.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecialProcedureBody {
    /// 听证.
    Hearing,
    /// 专家评审.
    ExpertReview,
    /// 检验、检测、检疫.
    Testing,
    /// Another statutory procedure: `note` must say which.
    Other,
}

/// The body of `POST /v1/branches/{id}/commands`: one schema per command, told apart by
/// `command`. This is the documented shape of `workflow::BranchCommand` (the type the server
/// parses; a test checks every variant here parses as it); `cancel` is the system's own.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum BranchCommandBody {
    /// received → reviewing (一审 starts).
    #[schema(example = json!({"command": "start_review"}))]
    StartReview,
    /// reviewing → approving, with the reviewer's opinion (may be empty).
    #[schema(example = json!({"command": "review", "opinion": "材料齐全，建议准予"}))]
    Review { opinion: String },
    /// approving → approved (chief representative). `decided_at`: when the decision was really
    /// made (RFC 3339), for a department reporting from its own system (数据交换); absent = now.
    /// Not later than now, not earlier than the branch's opening (422 `invalid_decided_at`).
    #[schema(example = json!({"command": "approve", "opinion": "准予许可"}))]
    Approve {
        opinion: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        decided_at: Option<DateTime<Utc>>,
    },
    /// approving → rejected (chief representative); the reason is given to the applicant.
    /// `decided_at` as for `approve`.
    #[schema(example = json!({"command": "reject", "reason": "选址不符合规划要求", "decided_at": "2026-03-10T09:30:00+08:00"}))]
    Reject {
        #[schema(min_length = 1)]
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        decided_at: Option<DateTime<Utc>>,
    },
    /// → awaiting_supplement (补正, 行政许可法 第三十二条): every missing material of the item,
    /// by code, at once; the clock pauses.
    #[schema(example = json!({"command": "request_supplement", "missing": ["M02", "M03"], "note": "一次性告知"}))]
    RequestSupplement {
        #[schema(min_items = 1)]
        missing: Vec<String>,
        note: String,
    },
    /// Materials arrived: only requested, still outstanding codes. The clock resumes when the
    /// last is in, or with `resume_reason` (department staff only) with the rest waived.
    #[schema(example = json!({"command": "supplement", "received": ["M02"]}))]
    Supplement {
        #[schema(min_items = 1)]
        received: Vec<String>,
        #[schema(nullable = false)]
        resume_reason: Option<String>,
    },
    /// → suspended (特别程序, 行政许可法 第四十五条); the clock pauses. The expected end (local
    /// date, not in the past) and the written notice to the applicant are required; past the
    /// expected end the branch raises a `pause_overdue` alert.
    #[schema(example = json!({"command": "suspend", "procedure": "expert_review", "note": "", "expected_end": "2026-04-15", "notice_ref": "专家评审告知书〔2026〕3号"}))]
    Suspend {
        procedure: SpecialProcedureBody,
        note: String,
        expected_end: NaiveDate,
        #[schema(min_length = 1)]
        notice_ref: String,
    },
    /// suspended → where it was.
    #[schema(example = json!({"command": "resume"}))]
    Resume,
    /// The branch's one extension (延期, 行政许可法 第四十二条): only while the clock runs and
    /// before the limit has passed; at most 10 working days (15 for a branch of a bundle,
    /// handled jointly); the reason told to the applicant; the approving 负责人 (an approver
    /// of the branch's department, by user id).
    #[schema(example = json!({"command": "extend", "days": 5, "reason": "需组织专家论证", "approver_id": 12}))]
    Extend {
        #[schema(minimum = 1, maximum = 15)]
        days: u32,
        #[schema(min_length = 1)]
        reason: String,
        #[schema(minimum = 1)]
        approver_id: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented command parses as the command type the server runs.
    #[test]
    fn every_documented_command_is_one_the_server_parses() {
        let samples = [
            BranchCommandBody::StartReview,
            BranchCommandBody::Review {
                opinion: "x".into(),
            },
            BranchCommandBody::Approve {
                opinion: "x".into(),
                decided_at: None,
            },
            BranchCommandBody::Reject {
                reason: "x".into(),
                decided_at: Some(chrono::Utc::now()),
            },
            BranchCommandBody::RequestSupplement {
                missing: vec!["M01".into()],
                note: String::new(),
            },
            BranchCommandBody::Supplement {
                received: vec!["M01".into()],
                resume_reason: Some("x".into()),
            },
            BranchCommandBody::Suspend {
                procedure: SpecialProcedureBody::ExpertReview,
                note: String::new(),
                expected_end: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
                notice_ref: "告知书 1".into(),
            },
            BranchCommandBody::Resume,
            BranchCommandBody::Extend {
                days: 5,
                reason: "x".into(),
                approver_id: 3,
            },
        ];
        let mut names = Vec::new();
        for s in &samples {
            let json = serde_json::to_value(s).unwrap();
            let parsed: workflow::BranchCommand =
                serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), json);
            names.push(parsed.as_str());
        }
        let expected: Vec<&str> = workflow::BranchCommand::NAMES
            .into_iter()
            .filter(|n| *n != "cancel")
            .collect();
        assert_eq!(names, expected);
    }
}
