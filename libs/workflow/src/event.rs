//! Domain events: one per accepted transition, serialisable for the audit log and outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::branch::SpecialProcedure;

/// One rejecting branch, as reported when the case is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Something that happened. JSON: `{"type": "<snake_case variant>", ...fields}`.
///
/// `from` and `to` are state names as given by `BranchState::as_str` / `CaseState::as_str`
/// (without parameters; the parameters are in the event's own fields).
/// Branch events carry `branch_id`, `case_id`, `department_id` and the acting `actor_id`
/// (`SYSTEM_USER_ID` for the system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// received → reviewing.
    ReviewStarted {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        at: DateTime<Utc>,
    },
    /// reviewing → approving (一审 done).
    Reviewed {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        opinion: String,
        at: DateTime<Utc>,
    },
    /// approving → approved (一核).
    BranchApproved {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        opinion: String,
        at: DateTime<Utc>,
    },
    /// approving → rejected.
    BranchRejected {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// reviewing/approving → awaiting_supplement (补正).
    SupplementRequested {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        missing: Vec<String>,
        note: String,
        at: DateTime<Utc>,
    },
    /// Materials arrived: awaiting_supplement → reviewing when nothing is outstanding any more
    /// (or the department resumed with `resume_reason`, waiving `outstanding`), else the
    /// branch stays awaiting_supplement with `outstanding` left.
    SupplementReceived {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        received: Vec<String>,
        /// Still missing after this delivery (waived when `resume_reason` is set).
        #[serde(default)]
        outstanding: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_reason: Option<String>,
        at: DateTime<Utc>,
    },
    /// reviewing/approving → suspended (特别程序).
    Suspended {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        procedure: SpecialProcedure,
        note: String,
        /// When the procedure is expected to end (local date).
        #[serde(default)]
        expected_end: Option<chrono::NaiveDate>,
        /// The written notice to the applicant.
        #[serde(default)]
        notice_ref: String,
        at: DateTime<Utc>,
    },
    /// suspended → the state it was suspended from.
    Resumed {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        at: DateTime<Utc>,
    },
    /// Extension (延期) granted; the state does not change (`from == to`).
    Extended {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        days: u32,
        /// Why, as told to the applicant.
        reason: String,
        /// The approving 负责人 (user id).
        approver_id: i64,
        at: DateTime<Utc>,
    },
    /// open → cancelled (by the system).
    BranchCancelled {
        branch_id: i64,
        case_id: i64,
        department_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// The case moved to stage `stage` (accepted → in_progress, or in_progress → in_progress).
    StageOpened {
        case_id: i64,
        from: String,
        to: String,
        stage: u32,
        at: DateTime<Utc>,
    },
    /// Every branch of the last stage approved: in_progress → ready_for_issuance.
    CaseReady {
        case_id: i64,
        from: String,
        to: String,
        at: DateTime<Utc>,
    },
    /// Join rejected the case (不予许可), with every rejecting department's reason.
    CaseRejected {
        case_id: i64,
        from: String,
        to: String,
        rejections: Vec<DepartmentRejection>,
        cancelled_branch_ids: Vec<i64>,
        at: DateTime<Utc>,
    },
    /// Withdrawal (撤件) by the applicant through the clerk.
    CaseWithdrawn {
        case_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        reason: String,
        cancelled_branch_ids: Vec<i64>,
        at: DateTime<Utc>,
    },
    /// Unified issuance (统一发证) by the clerk.
    CaseIssued {
        case_id: i64,
        actor_id: i64,
        from: String,
        to: String,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// Every event type name, as returned by [`Event::kind`].
    pub const KINDS: [&'static str; 15] = [
        "review_started",
        "reviewed",
        "branch_approved",
        "branch_rejected",
        "supplement_requested",
        "supplement_received",
        "suspended",
        "resumed",
        "extended",
        "branch_cancelled",
        "stage_opened",
        "case_ready",
        "case_rejected",
        "case_withdrawn",
        "case_issued",
    ];

    /// The `type` tag value.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ReviewStarted { .. } => "review_started",
            Event::Reviewed { .. } => "reviewed",
            Event::BranchApproved { .. } => "branch_approved",
            Event::BranchRejected { .. } => "branch_rejected",
            Event::SupplementRequested { .. } => "supplement_requested",
            Event::SupplementReceived { .. } => "supplement_received",
            Event::Suspended { .. } => "suspended",
            Event::Resumed { .. } => "resumed",
            Event::Extended { .. } => "extended",
            Event::BranchCancelled { .. } => "branch_cancelled",
            Event::StageOpened { .. } => "stage_opened",
            Event::CaseReady { .. } => "case_ready",
            Event::CaseRejected { .. } => "case_rejected",
            Event::CaseWithdrawn { .. } => "case_withdrawn",
            Event::CaseIssued { .. } => "case_issued",
        }
    }

    /// The case concerned.
    pub fn case_id(&self) -> i64 {
        match self {
            Event::ReviewStarted { case_id, .. }
            | Event::Reviewed { case_id, .. }
            | Event::BranchApproved { case_id, .. }
            | Event::BranchRejected { case_id, .. }
            | Event::SupplementRequested { case_id, .. }
            | Event::SupplementReceived { case_id, .. }
            | Event::Suspended { case_id, .. }
            | Event::Resumed { case_id, .. }
            | Event::Extended { case_id, .. }
            | Event::BranchCancelled { case_id, .. }
            | Event::StageOpened { case_id, .. }
            | Event::CaseReady { case_id, .. }
            | Event::CaseRejected { case_id, .. }
            | Event::CaseWithdrawn { case_id, .. }
            | Event::CaseIssued { case_id, .. } => *case_id,
        }
    }

    /// The branch concerned, for branch events.
    pub fn branch_id(&self) -> Option<i64> {
        match self {
            Event::ReviewStarted { branch_id, .. }
            | Event::Reviewed { branch_id, .. }
            | Event::BranchApproved { branch_id, .. }
            | Event::BranchRejected { branch_id, .. }
            | Event::SupplementRequested { branch_id, .. }
            | Event::SupplementReceived { branch_id, .. }
            | Event::Suspended { branch_id, .. }
            | Event::Resumed { branch_id, .. }
            | Event::Extended { branch_id, .. }
            | Event::BranchCancelled { branch_id, .. } => Some(*branch_id),
            Event::StageOpened { .. }
            | Event::CaseReady { .. }
            | Event::CaseRejected { .. }
            | Event::CaseWithdrawn { .. }
            | Event::CaseIssued { .. } => None,
        }
    }

    /// The state names before and after.
    pub fn states(&self) -> (&str, &str) {
        match self {
            Event::ReviewStarted { from, to, .. }
            | Event::Reviewed { from, to, .. }
            | Event::BranchApproved { from, to, .. }
            | Event::BranchRejected { from, to, .. }
            | Event::SupplementRequested { from, to, .. }
            | Event::SupplementReceived { from, to, .. }
            | Event::Suspended { from, to, .. }
            | Event::Resumed { from, to, .. }
            | Event::Extended { from, to, .. }
            | Event::BranchCancelled { from, to, .. }
            | Event::StageOpened { from, to, .. }
            | Event::CaseReady { from, to, .. }
            | Event::CaseRejected { from, to, .. }
            | Event::CaseWithdrawn { from, to, .. }
            | Event::CaseIssued { from, to, .. } => (from, to),
        }
    }

    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Event::ReviewStarted { at, .. }
            | Event::Reviewed { at, .. }
            | Event::BranchApproved { at, .. }
            | Event::BranchRejected { at, .. }
            | Event::SupplementRequested { at, .. }
            | Event::SupplementReceived { at, .. }
            | Event::Suspended { at, .. }
            | Event::Resumed { at, .. }
            | Event::Extended { at, .. }
            | Event::BranchCancelled { at, .. }
            | Event::StageOpened { at, .. }
            | Event::CaseReady { at, .. }
            | Event::CaseRejected { at, .. }
            | Event::CaseWithdrawn { at, .. }
            | Event::CaseIssued { at, .. } => *at,
        }
    }
}
