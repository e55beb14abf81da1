//! The branch state machine: one pure function from (branch, command, actor, time) to a
//! [`Transition`] or a [`Refusal`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission, Role};
use crate::branch::{Branch, BranchCommand, BranchState, Phase, SpecialProcedure};
use crate::event::Event;
use crate::refusal::Refusal;

/// The most working days one extension (延期) may add: 行政许可法 第四十二条 第一款
/// (二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日).
pub const MAX_EXTENSION_DAYS: u32 = 10;

/// The most for a case handled jointly (统一办理、联合办理、集中办理, here: a branch of a
/// bundle): 行政许可法 第四十二条 第二款 (可以延长十五日).
pub const MAX_JOINT_EXTENSION_DAYS: u32 = 15;

/// Why the statutory clock pauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "procedure", rename_all = "snake_case")]
pub enum PauseReason {
    /// Returned for supplement (补正).
    Supplement,
    /// Special procedure (特别程序).
    SpecialProcedure(SpecialProcedure),
}

/// What the caller must do to the branch's statutory clock (in the calendar crate).
///
/// The clock also stops for good when the new state is decided (`BranchState::is_decided`);
/// that is not signalled separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ClockEffect {
    /// Leave the clock alone.
    None,
    /// Pause it.
    Pause(PauseReason),
    /// Resume it.
    Resume,
    /// End the pause and count the whole limit again from now (重新计时).
    Restart,
    /// Add this many working days to the deadline.
    Extend(u32),
}

/// The outcome of an accepted command. Apply it with [`Transition::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// State after the command.
    pub new_state: BranchState,
    /// Events to record (exactly one per accepted command).
    pub events: Vec<Event>,
    /// What to do to the statutory clock.
    pub clock: ClockEffect,
    /// `extension_used` after the command.
    pub extension_used: bool,
    /// Set on approve (opinion), reject (reason) and cancel (reason); `None` leaves it as is.
    pub decision_note: Option<String>,
    /// What a supplement request still waits for after the command.
    pub pending_materials: Vec<String>,
    /// Supplement requests made after the command.
    pub supplement_requests: u32,
    /// Whether a supervisor's allowance for one more request is still unused.
    pub supplement_allowed: bool,
}

impl Transition {
    /// The branch after the transition, with `version` incremented. The caller stores it with
    /// `UPDATE ... WHERE id = ? AND version = <old version>` to detect concurrent edits.
    pub fn apply(&self, branch: &Branch) -> Branch {
        Branch {
            state: self.new_state,
            extension_used: self.extension_used,
            version: branch.version + 1,
            decision_note: self
                .decision_note
                .clone()
                .or_else(|| branch.decision_note.clone()),
            pending_materials: self.pending_materials.clone(),
            supplement_requests: self.supplement_requests,
            supplement_allowed: self.supplement_allowed,
            ..branch.clone()
        }
    }
}

/// Which states accept which command, and who may then run it.
fn rule(state: &BranchState, cmd: &BranchCommand) -> Option<Permission> {
    use BranchCommand as C;
    use BranchState as S;
    Some(match (state, cmd) {
        (S::Received, C::StartReview) => Permission::DeptStaff,
        (S::Reviewing, C::Review { .. }) => Permission::DeptStaff,
        (S::Approving, C::Approve { .. } | C::Reject { .. }) => Permission::DeptApprover,
        (S::Reviewing, C::RequestSupplement { .. }) => Permission::DeptStaff,
        // At 一核 only the chief representative may send the case back for supplement.
        (S::Approving, C::RequestSupplement { .. }) => Permission::DeptApprover,
        (S::AwaitingSupplement, C::Supplement { .. }) => Permission::DeptStaffOrClerk,
        (S::Reviewing | S::Approving, C::Suspend { .. }) => Permission::DeptStaff,
        (S::Suspended { .. }, C::Resume) => Permission::DeptStaff,
        // Only while the clock runs (行政许可法 第四十二条): not during 补正 or 特别程序.
        (s, C::Extend { .. }) if s.is_open() && !s.is_clock_paused() => Permission::DeptApprover,
        (s, C::Cancel { .. }) if s.is_open() => Permission::System,
        _ => return None,
    })
}

/// Check state, extension and permission for `cmd` without validating its payload.
///
/// Useful to decide which actions to offer to a user (see [`available_commands`]).
pub fn authorize(branch: &Branch, cmd: &BranchCommand, actor: &Actor) -> Result<(), Refusal> {
    let permission = rule(&branch.state, cmd).ok_or(Refusal::NotAllowedInState {
        state: branch.state.as_str(),
        command: cmd.as_str(),
    })?;
    if matches!(cmd, BranchCommand::Extend { .. }) && branch.extension_used {
        return Err(Refusal::ExtensionAlreadyUsed);
    }
    permission.check(actor, branch.department_id, cmd.as_str())
}

/// The commands `actor` may run on `branch` now (payloads are not checked), by name.
pub fn available_commands(branch: &Branch, actor: &Actor) -> Vec<&'static str> {
    sample_commands()
        .iter()
        .filter(|cmd| authorize(branch, cmd, actor).is_ok())
        .map(BranchCommand::as_str)
        .collect()
}

fn sample_commands() -> [BranchCommand; 10] {
    [
        BranchCommand::StartReview,
        BranchCommand::Review {
            opinion: String::new(),
        },
        BranchCommand::Approve {
            opinion: String::new(),
            decided_at: None,
        },
        BranchCommand::Reject {
            reason: String::new(),
            decided_at: None,
        },
        BranchCommand::RequestSupplement {
            missing: Vec::new(),
            note: String::new(),
        },
        BranchCommand::Supplement {
            received: Vec::new(),
            resume_reason: None,
        },
        BranchCommand::Suspend {
            procedure: SpecialProcedure::Other,
            note: String::new(),
            expected_end: chrono::NaiveDate::MIN,
            notice_ref: String::new(),
        },
        BranchCommand::Resume,
        BranchCommand::Extend {
            days: 0,
            reason: String::new(),
            approver_id: 0,
        },
        BranchCommand::Cancel {
            reason: String::new(),
        },
    ]
}

/// Today in Asia/Shanghai (UTC+8; no daylight-saving time there since 1991).
fn local_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn require_text(text: &str, field: &'static str) -> Result<(), Refusal> {
    if blank(text) {
        return Err(Refusal::EmptyReason { field });
    }
    Ok(())
}

fn require_materials(list: &[String], field: &'static str) -> Result<(), Refusal> {
    if list.is_empty() || list.iter().any(|m| blank(m)) {
        return Err(Refusal::EmptyMaterialList { field });
    }
    Ok(())
}

fn validate(branch: &Branch, cmd: &BranchCommand, now: DateTime<Utc>) -> Result<(), Refusal> {
    match cmd {
        BranchCommand::Reject { reason, .. } | BranchCommand::Cancel { reason } => {
            require_text(reason, "reason")
        }
        BranchCommand::RequestSupplement { missing, .. } => require_materials(missing, "missing"),
        BranchCommand::Supplement { received, .. } => require_materials(received, "received"),
        BranchCommand::Suspend {
            procedure,
            note,
            expected_end,
            notice_ref,
        } => {
            if *procedure == SpecialProcedure::Other {
                require_text(note, "note")?;
            }
            require_text(notice_ref, "notice_ref")?;
            let today = local_today(now);
            if *expected_end < today {
                return Err(Refusal::ExpectedEndInPast {
                    expected_end: *expected_end,
                    today,
                });
            }
            Ok(())
        }
        BranchCommand::Extend {
            days,
            reason,
            approver_id,
        } => {
            let max = branch.max_extension_days.unwrap_or(if branch.joint {
                MAX_JOINT_EXTENSION_DAYS
            } else {
                MAX_EXTENSION_DAYS
            });
            if *days == 0 || *days > max {
                return Err(Refusal::InvalidDays { days: *days, max });
            }
            if *approver_id <= 0 {
                return Err(Refusal::MissingApprover);
            }
            require_text(reason, "reason")?;
            if let Some(due_at) = branch.due_at.filter(|d| now > *d) {
                return Err(Refusal::ExtensionAfterExpiry { due_at });
            }
            Ok(())
        }
        BranchCommand::StartReview
        | BranchCommand::Review { .. }
        | BranchCommand::Approve { .. }
        | BranchCommand::Resume => Ok(()),
    }
}

/// Run one command on a branch (分件).
///
/// Pure: nothing is stored; the caller applies [`Transition::apply`] to its row, records the
/// events and applies [`Transition::clock`] to the statutory clock, all in one transaction,
/// then evaluates [`crate::join`] for the case.
///
/// Checks, in order: the state accepts the command (an extension also requires that none was
/// used) → the actor's role → the actor's department → the payload.
///
/// Permissions: review-side commands (start review, review, request supplement at reviewing,
/// suspend, resume) by a reviewer or approver of the branch's department; approve, reject,
/// request supplement at approving and extend by the approver (首席代表) of the department;
/// recording arrived materials also by any clerk; cancel by the system only. Reject exists only
/// at approving: the 一核 signature decides, a reviewer passes a negative opinion via `review`.
/// Admins, supervisors, assessors and the organisation department never act on a branch.
pub fn transition(
    branch: &Branch,
    cmd: &BranchCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Transition, Refusal> {
    authorize(branch, cmd, actor)?;
    validate(branch, cmd, now)?;
    let requesting = matches!(cmd, BranchCommand::RequestSupplement { .. });
    if requesting && branch.supplement_requests >= 1 && !branch.supplement_allowed {
        return Err(Refusal::SupplementAlreadyRequested {
            count: branch.supplement_requests,
        });
    }
    let pending = pending_after(branch, cmd, actor)?;

    use BranchState as S;
    let from = branch.state;
    let (new_state, clock) = match (from, cmd) {
        (S::Received, BranchCommand::StartReview) => (S::Reviewing, ClockEffect::None),
        (S::Reviewing, BranchCommand::Review { .. }) => (S::Approving, ClockEffect::None),
        (S::Approving, BranchCommand::Approve { .. }) => (S::Approved, ClockEffect::None),
        (S::Approving, BranchCommand::Reject { .. }) => (S::Rejected, ClockEffect::None),
        (S::Reviewing | S::Approving, BranchCommand::RequestSupplement { .. }) => (
            S::AwaitingSupplement,
            ClockEffect::Pause(PauseReason::Supplement),
        ),
        (S::AwaitingSupplement, BranchCommand::Supplement { resume_reason, .. }) => {
            if pending.is_empty() || resume_reason.is_some() {
                let effect = if branch.supplement_restarts {
                    ClockEffect::Restart
                } else {
                    ClockEffect::Resume
                };
                (S::Reviewing, effect)
            } else {
                (S::AwaitingSupplement, ClockEffect::None)
            }
        }
        (S::Approving, BranchCommand::Suspend { procedure, .. }) => (
            S::Suspended {
                resume_to: Phase::Approving,
                procedure: *procedure,
            },
            ClockEffect::Pause(PauseReason::SpecialProcedure(*procedure)),
        ),
        (S::Reviewing, BranchCommand::Suspend { procedure, .. }) => (
            S::Suspended {
                resume_to: Phase::Reviewing,
                procedure: *procedure,
            },
            ClockEffect::Pause(PauseReason::SpecialProcedure(*procedure)),
        ),
        (S::Suspended { resume_to, .. }, BranchCommand::Resume) => {
            (resume_to.state(), ClockEffect::Resume)
        }
        (s, BranchCommand::Extend { days, .. }) if s.is_open() => (s, ClockEffect::Extend(*days)),
        (s, BranchCommand::Cancel { .. }) if s.is_open() => (S::Cancelled, ClockEffect::None),
        // `authorize` already refused every other pair; kept total without panicking.
        (s, other) => {
            return Err(Refusal::NotAllowedInState {
                state: s.as_str(),
                command: other.as_str(),
            })
        }
    };

    let decision_note = match cmd {
        BranchCommand::Approve { opinion, .. } => Some(opinion.clone()),
        BranchCommand::Reject { reason, .. } | BranchCommand::Cancel { reason } => {
            Some(reason.clone())
        }
        _ => None,
    };

    let events = vec![event(branch, cmd, actor, new_state, &pending, now)];
    Ok(Transition {
        new_state,
        events,
        clock,
        extension_used: branch.extension_used || matches!(cmd, BranchCommand::Extend { .. }),
        decision_note,
        pending_materials: if new_state == S::AwaitingSupplement {
            pending
        } else {
            Vec::new()
        },
        supplement_requests: branch.supplement_requests + u32::from(requesting),
        supplement_allowed: branch.supplement_allowed && !requesting,
    })
}

/// What a supplement request waits for after `cmd`: a request lists its materials once each
/// (一次性告知); a delivery may name only outstanding materials and removes them; resuming
/// with materials outstanding needs a reason and department staff.
fn pending_after(
    branch: &Branch,
    cmd: &BranchCommand,
    actor: &Actor,
) -> Result<Vec<String>, Refusal> {
    match cmd {
        BranchCommand::RequestSupplement { missing, .. } => {
            let mut out: Vec<String> = Vec::new();
            for m in missing {
                let m = m.trim().to_owned();
                if !out.contains(&m) {
                    out.push(m);
                }
            }
            Ok(out)
        }
        BranchCommand::Supplement {
            received,
            resume_reason,
        } => {
            let mut left = branch.pending_materials.clone();
            for (index, code) in received.iter().enumerate() {
                match left.iter().position(|p| p == code.trim()) {
                    Some(i) => {
                        left.remove(i);
                    }
                    None => {
                        return Err(Refusal::MaterialNotRequested {
                            index,
                            code: code.clone(),
                            outstanding: left,
                        })
                    }
                }
            }
            if let Some(reason) = resume_reason {
                require_text(reason, "resume_reason")?;
                if !matches!(actor.role, Role::Reviewer | Role::Approver) {
                    return Err(Refusal::WaiverNotAllowed { actual: actor.role });
                }
            }
            Ok(left)
        }
        _ => Ok(branch.pending_materials.clone()),
    }
}

fn event(
    branch: &Branch,
    cmd: &BranchCommand,
    actor: &Actor,
    to: BranchState,
    pending: &[String],
    at: DateTime<Utc>,
) -> Event {
    let branch_id = branch.id;
    let case_id = branch.case_id;
    let department_id = branch.department_id;
    let actor_id = actor.user_id;
    let from = branch.state.as_str().to_owned();
    let to = to.as_str().to_owned();
    match cmd {
        BranchCommand::StartReview => Event::ReviewStarted {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            at,
        },
        BranchCommand::Review { opinion } => Event::Reviewed {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            opinion: opinion.clone(),
            at,
        },
        BranchCommand::Approve { opinion, .. } => Event::BranchApproved {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            opinion: opinion.clone(),
            at,
        },
        BranchCommand::Reject { reason, .. } => Event::BranchRejected {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            reason: reason.clone(),
            at,
        },
        BranchCommand::RequestSupplement { missing, note } => Event::SupplementRequested {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            missing: missing.clone(),
            note: note.clone(),
            at,
        },
        BranchCommand::Supplement {
            received,
            resume_reason,
        } => Event::SupplementReceived {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            received: received.clone(),
            outstanding: pending.to_vec(),
            resume_reason: resume_reason.clone(),
            at,
        },
        BranchCommand::Suspend {
            procedure,
            note,
            expected_end,
            notice_ref,
        } => Event::Suspended {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            procedure: *procedure,
            note: note.clone(),
            expected_end: Some(*expected_end),
            notice_ref: notice_ref.clone(),
            at,
        },
        BranchCommand::Resume => Event::Resumed {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            at,
        },
        BranchCommand::Extend {
            days,
            reason,
            approver_id,
        } => Event::Extended {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            days: *days,
            reason: reason.clone(),
            approver_id: *approver_id,
            at,
        },
        BranchCommand::Cancel { reason } => Event::BranchCancelled {
            branch_id,
            case_id,
            department_id,
            actor_id,
            from,
            to,
            reason: reason.clone(),
            at,
        },
    }
}
