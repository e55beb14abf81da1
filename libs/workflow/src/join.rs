//! Join (汇合) of parallel branches: decides, from the case's branches alone, whether the next
//! stage opens, the case is ready for issuance, or the case is rejected.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::branch::{Branch, BranchCommand, BranchState};
use crate::case::{open_branch_ids, Case, CaseState};
use crate::event::{DepartmentRejection, Event};
use crate::parse::ParseError;
use crate::transition::{transition, Transition};

/// Reason recorded for a rejected branch whose `decision_note` is missing.
pub const NO_REASON_RECORDED: &str = "no reason recorded";

/// How the branches of a stage are joined; set per bundle (套餐).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JoinPolicy {
    /// Every branch of a stage must approve. Any rejection rejects the case.
    AllMustApprove {
        /// `true` (default): reject the case at the first rejection and cancel the other open
        /// branches. `false`: wait until every branch of the stage has decided, then reject.
        reject_fast: bool,
    },
}

impl Default for JoinPolicy {
    fn default() -> Self {
        JoinPolicy::AllMustApprove { reject_fast: true }
    }
}

impl fmt::Display for JoinPolicy {
    /// `all_must_approve:reject_fast` or `all_must_approve:wait_all`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinPolicy::AllMustApprove { reject_fast: true } => {
                f.write_str("all_must_approve:reject_fast")
            }
            JoinPolicy::AllMustApprove { reject_fast: false } => {
                f.write_str("all_must_approve:wait_all")
            }
        }
    }
}

impl FromStr for JoinPolicy {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all_must_approve:reject_fast" => Ok(JoinPolicy::AllMustApprove { reject_fast: true }),
            "all_must_approve:wait_all" => Ok(JoinPolicy::AllMustApprove { reject_fast: false }),
            _ => Err(ParseError::new("join policy", s)),
        }
    }
}

/// What the caller must do after a join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Nothing changes.
    Nothing,
    /// Create the branches (state received) of the items of `stage` and set the case to
    /// `InProgress { stage }`.
    OpenStage {
        /// The stage to open.
        stage: u32,
        /// [`Event::StageOpened`].
        event: Event,
    },
    /// Set the case to `ReadyForIssuance`.
    Ready {
        /// [`Event::CaseReady`].
        event: Event,
    },
    /// Set the case to `Rejected` and cancel the listed branches (system actor, `cancel_reason`;
    /// see [`cancel_branches`]).
    Rejected {
        /// One entry per rejected branch of the stage, by branch id.
        rejections: Vec<DepartmentRejection>,
        /// The case's still-open branches, by id.
        cancel_branch_ids: Vec<i64>,
        /// Reason for those cancellations.
        cancel_reason: String,
        /// [`Event::CaseRejected`].
        event: Event,
    },
}

impl JoinOutcome {
    /// The case state to store, if it changes.
    pub fn new_state(&self) -> Option<CaseState> {
        match self {
            JoinOutcome::Nothing => None,
            JoinOutcome::OpenStage { stage, .. } => Some(CaseState::InProgress { stage: *stage }),
            JoinOutcome::Ready { .. } => Some(CaseState::ReadyForIssuance),
            JoinOutcome::Rejected { .. } => Some(CaseState::Rejected),
        }
    }

    /// The event to record, if any.
    pub fn event(&self) -> Option<&Event> {
        match self {
            JoinOutcome::Nothing => None,
            JoinOutcome::OpenStage { event, .. }
            | JoinOutcome::Ready { event }
            | JoinOutcome::Rejected { event, .. } => Some(event),
        }
    }
}

/// Join the branches of the case's current stage.
///
/// Pure, and a function of the case and its branches only (input order does not matter), so
/// two departments deciding at the same instant yield one join: the caller runs it in the
/// transaction that stores a branch decision, after locking the case row (or updating it with
/// `WHERE version = <old>` and retrying on conflict), and stores the outcome there. Once the
/// outcome is stored, calling again yields [`JoinOutcome::Nothing`]; in particular
/// [`Event::CaseReady`] is emitted only on the transition into ready.
///
/// - `Accepted`: opens stage 1 (call it right after acceptance).
/// - `InProgress { stage }`: looks at the case's branches of that stage only (others and
///   branches of other cases are ignored). No branch yet → nothing. Any rejection → rejected
///   (at once with `reject_fast`, else when no branch of the stage is open). All approved →
///   next stage, or ready after the last stage. A cancelled branch without a rejection blocks
///   the stage (nothing), as it cannot happen while the case is in progress.
/// - Any other state: nothing.
pub fn join(
    case: &Case,
    branches: &[Branch],
    policy: JoinPolicy,
    now: DateTime<Utc>,
) -> JoinOutcome {
    let from = case.state.as_str().to_owned();
    let stage = match case.state {
        CaseState::Accepted if case.stage_count >= 1 => {
            return open_stage(case, 1, from, now);
        }
        CaseState::InProgress { stage } => stage,
        _ => return JoinOutcome::Nothing,
    };
    let mut current: Vec<&Branch> = branches
        .iter()
        .filter(|b| b.case_id == case.id && b.stage == stage)
        .collect();
    if current.is_empty() {
        return JoinOutcome::Nothing;
    }
    current.sort_by_key(|b| b.id);
    let any_open = current.iter().any(|b| b.state.is_open());
    let rejected: Vec<&Branch> = current
        .iter()
        .copied()
        .filter(|b| b.state == BranchState::Rejected)
        .collect();

    let JoinPolicy::AllMustApprove { reject_fast } = policy;
    if !rejected.is_empty() {
        if any_open && !reject_fast {
            return JoinOutcome::Nothing;
        }
        return reject(case, branches, &rejected, from, now);
    }
    if any_open || current.iter().any(|b| b.state != BranchState::Approved) {
        return JoinOutcome::Nothing;
    }
    if stage >= case.stage_count {
        JoinOutcome::Ready {
            event: Event::CaseReady {
                case_id: case.id,
                from,
                to: CaseState::ReadyForIssuance.as_str().to_owned(),
                at: now,
            },
        }
    } else {
        open_stage(case, stage + 1, from, now)
    }
}

fn open_stage(case: &Case, stage: u32, from: String, now: DateTime<Utc>) -> JoinOutcome {
    JoinOutcome::OpenStage {
        stage,
        event: Event::StageOpened {
            case_id: case.id,
            from,
            to: CaseState::InProgress { stage }.as_str().to_owned(),
            stage,
            at: now,
        },
    }
}

fn reject(
    case: &Case,
    branches: &[Branch],
    rejected: &[&Branch],
    from: String,
    now: DateTime<Utc>,
) -> JoinOutcome {
    let rejections: Vec<DepartmentRejection> = rejected
        .iter()
        .map(|b| DepartmentRejection {
            department_id: b.department_id,
            branch_id: b.id,
            item_id: b.item_id,
            reason: b
                .decision_note
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| NO_REASON_RECORDED.to_owned()),
        })
        .collect();
    let mut departments: Vec<i64> = rejections.iter().map(|r| r.department_id).collect();
    departments.sort_unstable();
    departments.dedup();
    let departments: Vec<String> = departments.iter().map(i64::to_string).collect();
    let cancel_reason = format!("case rejected by department {}", departments.join(", "));
    let mut cancel_branch_ids = open_branch_ids(case, branches);
    cancel_branch_ids.sort_unstable();
    JoinOutcome::Rejected {
        event: Event::CaseRejected {
            case_id: case.id,
            from,
            to: CaseState::Rejected.as_str().to_owned(),
            rejections: rejections.clone(),
            cancelled_branch_ids: cancel_branch_ids.clone(),
            at: now,
        },
        rejections,
        cancel_branch_ids,
        cancel_reason,
    }
}

/// Cancel transitions (system actor) for the listed branches, in the order of `branches`.
/// Branches not listed or already decided are skipped: they have nothing to cancel.
pub fn cancel_branches(
    branches: &[Branch],
    ids: &[i64],
    reason: &str,
    now: DateTime<Utc>,
) -> Vec<(i64, Transition)> {
    let cmd = BranchCommand::Cancel {
        reason: reason.to_owned(),
    };
    let system = Actor::system();
    branches
        .iter()
        .filter(|b| ids.contains(&b.id))
        .filter_map(|b| transition(b, &cmd, &system, now).ok().map(|t| (b.id, t)))
        .collect()
}
