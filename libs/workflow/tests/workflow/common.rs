//! Shared fixtures.

use chrono::{DateTime, TimeZone, Utc};
use workflow::{Actor, Branch, BranchCommand, BranchState, Phase, Role, SpecialProcedure};

pub const DEPT: i64 = 10;
pub const OTHER_DEPT: i64 = 20;
pub const CASE_ID: i64 = 100;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0)
        .single()
        .expect("valid fixed time")
}

/// A branch of [`DEPT`] in `state`.
/// A branch awaiting supplement waits for the material [`all_commands`] supplies.
pub fn branch_in(state: BranchState) -> Branch {
    let pending_materials = if state == BranchState::AwaitingSupplement {
        vec!["营业执照副本".into()]
    } else {
        Vec::new()
    };
    Branch {
        state,
        version: 3,
        pending_materials,
        ..Branch::new(1, CASE_ID, 1000, DEPT, 1)
    }
}

/// Compile-time guard: adding a state variant breaks this match until [`all_states`] is updated.
fn guard(s: &BranchState) {
    match s {
        BranchState::Received
        | BranchState::Reviewing
        | BranchState::Approving
        | BranchState::AwaitingSupplement
        | BranchState::Suspended { .. }
        | BranchState::Approved
        | BranchState::Rejected
        | BranchState::Cancelled => {}
    }
}

/// Every branch state (suspension from both phases).
pub fn all_states() -> Vec<BranchState> {
    let states = vec![
        BranchState::Received,
        BranchState::Reviewing,
        BranchState::Approving,
        BranchState::AwaitingSupplement,
        BranchState::Suspended {
            resume_to: Phase::Reviewing,
            procedure: SpecialProcedure::Hearing,
        },
        BranchState::Suspended {
            resume_to: Phase::Approving,
            procedure: SpecialProcedure::ExpertReview,
        },
        BranchState::Approved,
        BranchState::Rejected,
        BranchState::Cancelled,
    ];
    states.iter().for_each(guard);
    states
}

fn cmd_guard(c: &BranchCommand) {
    match c {
        BranchCommand::StartReview
        | BranchCommand::Review { .. }
        | BranchCommand::Approve { .. }
        | BranchCommand::Reject { .. }
        | BranchCommand::RequestSupplement { .. }
        | BranchCommand::Supplement { .. }
        | BranchCommand::Suspend { .. }
        | BranchCommand::Resume
        | BranchCommand::Extend { .. }
        | BranchCommand::Cancel { .. } => {}
    }
}

/// One command of each kind, with a valid payload.
pub fn all_commands() -> Vec<BranchCommand> {
    let cmds = vec![
        BranchCommand::StartReview,
        BranchCommand::Review {
            opinion: "材料齐全，建议通过".into(),
        },
        BranchCommand::Approve {
            opinion: "同意".into(),
            decided_at: None,
        },
        BranchCommand::Reject {
            reason: "选址不符合规划".into(),
            decided_at: None,
        },
        BranchCommand::RequestSupplement {
            missing: vec!["营业执照副本".into()],
            note: String::new(),
        },
        BranchCommand::Supplement {
            received: vec!["营业执照副本".into()],
            resume_reason: None,
        },
        BranchCommand::Suspend {
            procedure: SpecialProcedure::ExpertReview,
            note: String::new(),
            expected_end: chrono::NaiveDate::from_ymd_opt(2025, 3, 20).expect("date"),
            notice_ref: "特别程序告知书 2025-01".into(),
        },
        BranchCommand::Resume,
        BranchCommand::Extend {
            days: 10,
            reason: "需组织专家论证".into(),
            approver_id: 7,
        },
        BranchCommand::Cancel {
            reason: "申请人撤件".into(),
        },
    ];
    cmds.iter().for_each(cmd_guard);
    cmds
}

pub fn command(name: &str) -> BranchCommand {
    all_commands()
        .into_iter()
        .find(|c| c.as_str() == name)
        .unwrap_or_else(|| panic!("no sample command {name}"))
}

pub fn actor(role: Role, department_id: Option<i64>) -> Actor {
    Actor::new(42, role, department_id)
}

/// An actor allowed to run `cmd` on a branch of [`DEPT`] in any state that accepts it.
pub fn permitted_actor(cmd: &BranchCommand) -> Actor {
    match cmd {
        BranchCommand::Cancel { .. } => Actor::system(),
        _ => actor(Role::Approver, Some(DEPT)),
    }
}
