//! Cases (办件): one application accepted at the window (一口受理) for a bundle (套餐).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::branch::Branch;
use crate::event::Event;
use crate::parse::ParseError;
use crate::refusal::Refusal;

/// State of a case (办件).
///
/// Stored as one string: [`fmt::Display`] gives the full encoding, [`FromStr`] reads it back.
/// `InProgress` encodes as `in_progress:<stage>`, e.g. `in_progress:2`; the others as their
/// [`CaseState::as_str`] name. Serde uses the same string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum CaseState {
    /// Accepted at the window (一口受理); no stage open yet.
    Accepted,
    /// The branches of `stage` (1-based, 前置审批 order) are running in parallel.
    InProgress {
        /// The open stage.
        stage: u32,
    },
    /// Every branch of the last stage approved; waiting for unified issuance.
    ReadyForIssuance,
    /// Licences issued (统一发证). Final.
    Issued,
    /// Rejected by join. Final.
    Rejected,
    /// Withdrawn (撤件). Final.
    Withdrawn,
}

impl CaseState {
    /// Every state name, as returned by [`CaseState::as_str`].
    pub const NAMES: [&'static str; 6] = [
        "accepted",
        "in_progress",
        "ready_for_issuance",
        "issued",
        "rejected",
        "withdrawn",
    ];

    /// Stable snake_case name without parameters.
    pub fn as_str(&self) -> &'static str {
        match self {
            CaseState::Accepted => "accepted",
            CaseState::InProgress { .. } => "in_progress",
            CaseState::ReadyForIssuance => "ready_for_issuance",
            CaseState::Issued => "issued",
            CaseState::Rejected => "rejected",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    /// Issued, rejected or withdrawn: nothing more happens.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            CaseState::Issued | CaseState::Rejected | CaseState::Withdrawn
        )
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseState::InProgress { stage } => write!(f, "in_progress:{stage}"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl FromStr for CaseState {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseError::new("case state", s);
        if let Some(raw) = s.strip_prefix("in_progress:") {
            let stage: u32 = raw.parse().map_err(|_| err())?;
            // Canonical form only: no sign, no leading zero, stages start at 1.
            if stage == 0 || raw != stage.to_string() {
                return Err(err());
            }
            return Ok(CaseState::InProgress { stage });
        }
        Ok(match s {
            "accepted" => CaseState::Accepted,
            "ready_for_issuance" => CaseState::ReadyForIssuance,
            "issued" => CaseState::Issued,
            "rejected" => CaseState::Rejected,
            "withdrawn" => CaseState::Withdrawn,
            _ => return Err(err()),
        })
    }
}

impl From<CaseState> for String {
    fn from(s: CaseState) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for CaseState {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A case (办件) as the workflow sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Case id.
    pub id: i64,
    /// Number of stages of the bundle (stages are numbered `1..=stage_count`).
    pub stage_count: u32,
    /// Current state.
    pub state: CaseState,
    /// Optimistic-lock version; the caller increments it on every change of the case.
    pub version: i64,
}

impl Case {
    /// A case just accepted at the window, version 0.
    pub fn new(id: i64, stage_count: u32) -> Self {
        Self {
            id,
            stage_count,
            state: CaseState::Accepted,
            version: 0,
        }
    }
}

/// A user command on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum CaseCommand {
    /// Withdrawal (撤件) at the applicant's request, through the window clerk, while not closed.
    Withdraw {
        /// Why, non-blank.
        reason: String,
    },
    /// Unified issuance (统一发证): clerk only, when ready for issuance.
    Issue,
}

impl CaseCommand {
    /// Every command name.
    pub const NAMES: [&'static str; 2] = ["withdraw", "issue"];

    /// Stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            CaseCommand::Withdraw { .. } => "withdraw",
            CaseCommand::Issue => "issue",
        }
    }
}

/// The outcome of an accepted case command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTransition {
    /// State after the command.
    pub new_state: CaseState,
    /// Events to record (one).
    pub events: Vec<Event>,
    /// Open branches the caller must cancel (with [`crate::BranchCommand::Cancel`], the
    /// system actor and [`CaseTransition::cancel_reason`]) in the same transaction.
    pub cancel_branch_ids: Vec<i64>,
    /// The reason to give those cancellations (`case withdrawn: <reason>`); empty if none.
    pub cancel_reason: String,
}

/// Run one command on a case. `branches` are the case's branches (others are ignored).
///
/// Checks, in order: state → role → payload. Withdraw: a clerk, any department, while
/// the case is not issued, rejected or withdrawn; it lists the open branches to cancel.
/// Issue: clerk only, only from ready_for_issuance.
pub fn case_transition(
    case: &Case,
    branches: &[Branch],
    cmd: &CaseCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CaseTransition, Refusal> {
    let command = cmd.as_str();
    let state = case.state.as_str();
    if case.state.is_closed() {
        return Err(Refusal::CaseClosed { state, command });
    }
    let from = state.to_owned();
    match cmd {
        CaseCommand::Withdraw { reason } => {
            Permission::Clerk.check(actor, 0, command)?;
            if reason.trim().is_empty() {
                return Err(Refusal::EmptyReason { field: "reason" });
            }
            let cancel_branch_ids = open_branch_ids(case, branches);
            Ok(CaseTransition {
                new_state: CaseState::Withdrawn,
                events: vec![Event::CaseWithdrawn {
                    case_id: case.id,
                    actor_id: actor.user_id,
                    from,
                    to: CaseState::Withdrawn.as_str().to_owned(),
                    reason: reason.clone(),
                    cancelled_branch_ids: cancel_branch_ids.clone(),
                    at: now,
                }],
                cancel_branch_ids,
                cancel_reason: format!("case withdrawn: {reason}"),
            })
        }
        CaseCommand::Issue => {
            if case.state != CaseState::ReadyForIssuance {
                return Err(Refusal::CaseNotReady { state });
            }
            Permission::Clerk.check(actor, 0, command)?;
            Ok(CaseTransition {
                new_state: CaseState::Issued,
                events: vec![Event::CaseIssued {
                    case_id: case.id,
                    actor_id: actor.user_id,
                    from,
                    to: CaseState::Issued.as_str().to_owned(),
                    at: now,
                }],
                cancel_branch_ids: Vec::new(),
                cancel_reason: String::new(),
            })
        }
    }
}

/// Ids of the case's open (undecided) branches, in the order given.
pub(crate) fn open_branch_ids(case: &Case, branches: &[Branch]) -> Vec<i64> {
    branches
        .iter()
        .filter(|b| b.case_id == case.id && b.state.is_open())
        .map(|b| b.id)
        .collect()
}
