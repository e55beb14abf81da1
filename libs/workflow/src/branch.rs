//! Branches (分件): one per approval item (事项) of a case, with their states and commands.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::parse::ParseError;

/// The working state a suspended branch returns to on resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// First review (一审).
    Reviewing,
    /// Approval signature (一核).
    Approving,
}

impl Phase {
    /// Stable snake_case name (same as the matching [`BranchState`] name).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Reviewing => "reviewing",
            Phase::Approving => "approving",
        }
    }

    /// The branch state of this phase.
    pub fn state(self) -> BranchState {
        match self {
            Phase::Reviewing => BranchState::Reviewing,
            Phase::Approving => BranchState::Approving,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Phase::Reviewing, Phase::Approving]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Special procedures (特别程序) whose time does not count against the statutory limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialProcedure {
    /// Hearing (听证).
    Hearing,
    /// Expert review (专家评审).
    ExpertReview,
    /// Testing, inspection, quarantine (检验检测检疫).
    Testing,
    /// Another statutory procedure; the `note` of the suspension must describe it.
    Other,
}

impl SpecialProcedure {
    /// Every procedure.
    pub const ALL: [SpecialProcedure; 4] = [
        SpecialProcedure::Hearing,
        SpecialProcedure::ExpertReview,
        SpecialProcedure::Testing,
        SpecialProcedure::Other,
    ];

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecialProcedure::Hearing => "hearing",
            SpecialProcedure::ExpertReview => "expert_review",
            SpecialProcedure::Testing => "testing",
            SpecialProcedure::Other => "other",
        }
    }
}

impl FromStr for SpecialProcedure {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecialProcedure::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| ParseError::new("special procedure", s))
    }
}

/// State of a branch (分件).
///
/// Stored as one string: [`fmt::Display`] gives the full encoding, [`FromStr`] reads it back.
/// Parameterless states encode as their [`BranchState::as_str`] name; a suspension encodes as
/// `suspended:<resume_to>:<procedure>`, e.g. `suspended:approving:expert_review`.
/// Serde uses the same string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum BranchState {
    /// Dispatched to the department, not yet picked up.
    Received,
    /// First review (一审) by a reviewer (经办人).
    Reviewing,
    /// Approval (一核) by the chief representative (首席代表).
    Approving,
    /// Returned for supplement (补正); clock paused. Always returns to [`BranchState::Reviewing`]
    /// when the materials arrive, since new materials must be reviewed again.
    AwaitingSupplement,
    /// Suspended for a special procedure (特别程序); clock paused; resume returns to `resume_to`.
    Suspended {
        /// Where [`crate::BranchCommand::Resume`] leads.
        resume_to: Phase,
        /// Which procedure.
        procedure: SpecialProcedure,
    },
    /// Approved (准予许可). Final.
    Approved,
    /// Rejected (不予许可). Final.
    Rejected,
    /// Closed by the system (case withdrawn or rejected by another department). Final.
    Cancelled,
}

impl BranchState {
    /// Every state name, as returned by [`BranchState::as_str`].
    pub const NAMES: [&'static str; 8] = [
        "received",
        "reviewing",
        "approving",
        "awaiting_supplement",
        "suspended",
        "approved",
        "rejected",
        "cancelled",
    ];

    /// Stable snake_case name without parameters (for filters, events and messages).
    pub fn as_str(&self) -> &'static str {
        match self {
            BranchState::Received => "received",
            BranchState::Reviewing => "reviewing",
            BranchState::Approving => "approving",
            BranchState::AwaitingSupplement => "awaiting_supplement",
            BranchState::Suspended { .. } => "suspended",
            BranchState::Approved => "approved",
            BranchState::Rejected => "rejected",
            BranchState::Cancelled => "cancelled",
        }
    }

    /// Decided branches (approved, rejected, cancelled) never change again.
    pub fn is_decided(&self) -> bool {
        matches!(
            self,
            BranchState::Approved | BranchState::Rejected | BranchState::Cancelled
        )
    }

    /// Not yet decided.
    pub fn is_open(&self) -> bool {
        !self.is_decided()
    }

    /// True while the statutory clock is paused (supplement or special procedure).
    pub fn is_clock_paused(&self) -> bool {
        matches!(
            self,
            BranchState::AwaitingSupplement | BranchState::Suspended { .. }
        )
    }
}

impl fmt::Display for BranchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchState::Suspended {
                resume_to,
                procedure,
            } => write!(f, "suspended:{}:{}", resume_to.as_str(), procedure.as_str()),
            other => f.write_str(other.as_str()),
        }
    }
}

impl FromStr for BranchState {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseError::new("branch state", s);
        if let Some(rest) = s.strip_prefix("suspended:") {
            let (phase, procedure) = rest.split_once(':').ok_or_else(err)?;
            return Ok(BranchState::Suspended {
                resume_to: Phase::parse(phase).ok_or_else(err)?,
                procedure: procedure.parse().map_err(|_| err())?,
            });
        }
        Ok(match s {
            "received" => BranchState::Received,
            "reviewing" => BranchState::Reviewing,
            "approving" => BranchState::Approving,
            "awaiting_supplement" => BranchState::AwaitingSupplement,
            "approved" => BranchState::Approved,
            "rejected" => BranchState::Rejected,
            "cancelled" => BranchState::Cancelled,
            _ => return Err(err()),
        })
    }
}

impl From<BranchState> for String {
    fn from(s: BranchState) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for BranchState {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A command on a branch. Deserialises from `{"command": "<name>", ...fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum BranchCommand {
    /// Pick the branch up for first review (一审).
    StartReview,
    /// First review done: pass on to approval (一核). The opinion may be empty.
    Review {
        /// Reviewer's opinion (一审意见).
        opinion: String,
    },
    /// Approve (准予许可). Chief representative only.
    Approve {
        /// Approval opinion; may be empty.
        opinion: String,
        /// When the decision was really made, if earlier than now: a department reporting from
        /// its own system posts it later (数据交换). Absent: now. The caller checks it lies
        /// between the branch's opening and now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decided_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Reject (不予许可). Chief representative only; the reason must not be blank.
    Reject {
        /// Reason given to the applicant.
        reason: String,
        /// When the decision was really made; as for [`BranchCommand::Approve`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decided_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Return for supplement (补正): the statutory clock pauses.
    RequestSupplement {
        /// Missing materials: at least one, none blank.
        missing: Vec<String>,
        /// Free note; may be empty.
        note: String,
    },
    /// Requested materials arrived (recorded by the department or the window clerk). Only
    /// materials the supplement request listed and that are still outstanding may be named;
    /// the clock resumes when the last of them is in, or earlier by an explicit decision of
    /// the department (`resume_reason`), which the event records with what was waived.
    Supplement {
        /// Materials received: at least one, none blank, each still outstanding.
        received: Vec<String>,
        /// Resume review although materials are still outstanding: why (department staff
        /// only, not the window clerk). Absent: the branch keeps waiting for the rest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_reason: Option<String>,
    },
    /// Suspend for a special procedure (特别程序, 行政许可法 第四十五条): the statutory clock
    /// pauses. The applicant is told in writing how long it will take (书面告知), so the
    /// suspension names its expected end date and the written notice; past that date the
    /// branch raises an alert.
    Suspend {
        /// Which procedure.
        procedure: SpecialProcedure,
        /// Free note; required (non-blank) when `procedure` is `other`.
        note: String,
        /// The day the procedure is expected to end (local date), not in the past.
        expected_end: chrono::NaiveDate,
        /// The written notice to the applicant (its number or reference). Not blank.
        notice_ref: String,
    },
    /// The special procedure ended: back to where the branch was suspended from.
    Resume,
    /// The one extension (延期, 行政许可法 第四十二条) of the branch: only while its clock runs and
    /// before its limit has passed, at most [`crate::MAX_EXTENSION_DAYS`] working days
    /// ([`crate::MAX_JOINT_EXTENSION_DAYS`] when handled jointly in a bundle), approved by the
    /// department's 负责人 (a user with the approver role of that department), with the reason
    /// the applicant is told (告知延期理由).
    Extend {
        /// Working days added.
        days: u32,
        /// Why; told to the applicant. Not blank.
        reason: String,
        /// The approving 负责人: the user id of an approver of the branch's department.
        approver_id: i64,
    },
    /// Close an open branch. System only: used by withdrawal (撤件) and join.
    Cancel {
        /// Why, non-blank.
        reason: String,
    },
}

impl BranchCommand {
    /// Every command name, as returned by [`BranchCommand::as_str`].
    pub const NAMES: [&'static str; 10] = [
        "start_review",
        "review",
        "approve",
        "reject",
        "request_supplement",
        "supplement",
        "suspend",
        "resume",
        "extend",
        "cancel",
    ];

    /// Stable snake_case name (also the serde tag value).
    pub fn as_str(&self) -> &'static str {
        match self {
            BranchCommand::StartReview => "start_review",
            BranchCommand::Review { .. } => "review",
            BranchCommand::Approve { .. } => "approve",
            BranchCommand::Reject { .. } => "reject",
            BranchCommand::RequestSupplement { .. } => "request_supplement",
            BranchCommand::Supplement { .. } => "supplement",
            BranchCommand::Suspend { .. } => "suspend",
            BranchCommand::Resume => "resume",
            BranchCommand::Extend { .. } => "extend",
            BranchCommand::Cancel { .. } => "cancel",
        }
    }

    /// The decision moment a department reported with `approve` or `reject`, if any.
    pub fn reported_decided_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            BranchCommand::Approve { decided_at, .. }
            | BranchCommand::Reject { decided_at, .. } => *decided_at,
            _ => None,
        }
    }
}

/// A branch (分件) as the workflow sees it; the caller loads it from and stores it to its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Branch id.
    pub id: i64,
    /// The case (办件) it belongs to.
    pub case_id: i64,
    /// The approval item (事项).
    pub item_id: i64,
    /// The department that handles the item.
    pub department_id: i64,
    /// Stage number (前置审批 order), starting at 1.
    pub stage: u32,
    /// Current state.
    pub state: BranchState,
    /// Whether the one extension (延期) was granted.
    pub extension_used: bool,
    /// Optimistic-lock version; [`crate::Transition::apply`] increments it.
    pub version: i64,
    /// Opinion on approval, reason on rejection or cancellation; `None` while open.
    pub decision_note: Option<String>,
    /// Material codes the open supplement request (补正) still waits for; empty otherwise.
    #[serde(default)]
    pub pending_materials: Vec<String>,
    /// Supplement requests made on this branch so far.
    #[serde(default)]
    pub supplement_requests: u32,
    /// A supervisor allowed one more supplement request (with a reason, audited).
    #[serde(default)]
    pub supplement_allowed: bool,
    /// Handled jointly (统一办理/联合办理/集中办理: a branch of a bundle): a longer extension.
    #[serde(default)]
    pub joint: bool,
    /// The most working days this branch's extension may add, when the caller configures it
    /// (`None`: the law's [`crate::MAX_EXTENSION_DAYS`] / [`crate::MAX_JOINT_EXTENSION_DAYS`]).
    #[serde(default)]
    pub max_extension_days: Option<u32>,
    /// The item restarts its limit when supplemented materials are in (重新计时), instead of
    /// running on from where the clock stopped.
    #[serde(default)]
    pub supplement_restarts: bool,
    /// The due moment of the (promised) clock now; `None` while paused or unknown.
    #[serde(default)]
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Branch {
    /// A freshly dispatched branch: received, no extension, version 0.
    pub fn new(id: i64, case_id: i64, item_id: i64, department_id: i64, stage: u32) -> Self {
        Self {
            id,
            case_id,
            item_id,
            department_id,
            stage,
            state: BranchState::Received,
            extension_used: false,
            version: 0,
            decision_note: None,
            pending_materials: Vec::new(),
            supplement_requests: 0,
            supplement_allowed: false,
            joint: false,
            max_extension_days: None,
            supplement_restarts: false,
            due_at: None,
        }
    }
}
