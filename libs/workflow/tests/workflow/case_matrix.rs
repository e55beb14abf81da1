//! Every case state × case command, the case permission matrix, and withdrawal.

use workflow::{
    case_transition, Actor, Branch, BranchState, Case, CaseCommand, CaseState, Event, Role,
};

use crate::common::{now, CASE_ID};

fn case_guard(s: &CaseState) {
    match s {
        CaseState::Accepted
        | CaseState::InProgress { .. }
        | CaseState::ReadyForIssuance
        | CaseState::Issued
        | CaseState::Rejected
        | CaseState::Withdrawn => {}
    }
}

fn all_case_states() -> Vec<CaseState> {
    let states = vec![
        CaseState::Accepted,
        CaseState::InProgress { stage: 1 },
        CaseState::InProgress { stage: 2 },
        CaseState::ReadyForIssuance,
        CaseState::Issued,
        CaseState::Rejected,
        CaseState::Withdrawn,
    ];
    states.iter().for_each(case_guard);
    states
}

fn all_case_commands() -> Vec<CaseCommand> {
    vec![
        CaseCommand::Withdraw {
            reason: "申请人申请撤回".into(),
        },
        CaseCommand::Issue,
    ]
}

#[rustfmt::skip]
const TABLE: &[(&str, &str, &str)] = &[
    ("accepted", "withdraw", "withdrawn"),
    ("accepted", "issue", "!case_not_ready"),
    ("in_progress:1", "withdraw", "withdrawn"),
    ("in_progress:1", "issue", "!case_not_ready"),
    ("in_progress:2", "withdraw", "withdrawn"),
    ("in_progress:2", "issue", "!case_not_ready"),
    ("ready_for_issuance", "withdraw", "withdrawn"),
    ("ready_for_issuance", "issue", "issued"),
    ("issued", "withdraw", "!case_closed"),
    ("issued", "issue", "!case_closed"),
    ("rejected", "withdraw", "!case_closed"),
    ("rejected", "issue", "!case_closed"),
    ("withdrawn", "withdraw", "!case_closed"),
    ("withdrawn", "issue", "!case_closed"),
];

fn case_in(state: CaseState) -> Case {
    Case {
        state,
        ..Case::new(CASE_ID, 2)
    }
}

fn clerk() -> Actor {
    Actor::new(7, Role::Clerk, None)
}

#[test]
fn every_case_state_and_command_matches_the_table() {
    let mut runs = 0;
    for state in all_case_states() {
        for cmd in all_case_commands() {
            let key = (state.to_string(), cmd.as_str());
            let rows: Vec<_> = TABLE
                .iter()
                .filter(|r| r.0 == key.0 && r.1 == key.1)
                .collect();
            assert_eq!(rows.len(), 1, "{key:?}");
            runs += 1;
            let got = case_transition(&case_in(state), &[], &cmd, &clerk(), now());
            match (rows[0].2.strip_prefix('!'), got) {
                (Some(code), Err(r)) => {
                    assert_eq!(r.code(), code, "{key:?}");
                    assert!(r.to_string().starts_with("case is "), "{r}");
                    assert!(
                        r.to_string().contains(&state.as_str().replace('_', " ")),
                        "{r}"
                    );
                }
                (None, Ok(t)) => {
                    assert_eq!(t.new_state.to_string(), rows[0].2, "{key:?}");
                    assert_eq!(t.events.len(), 1);
                    assert_eq!(t.events[0].states(), (state.as_str(), t.new_state.as_str()));
                }
                (want, got) => panic!("{key:?}: expected {want:?}, got {got:?}"),
            }
        }
    }
    assert_eq!(runs, TABLE.len());
}

/// Role::ALL order: clerk, reviewer, approver, supervisor, assessor, org_dept, sysadmin,
/// secadmin, auditor, service, leader, callcenter, inspector. Withdrawal is the clerk's
/// alone: under 三权分立 no administrator has case powers.
#[test]
fn case_permissions() {
    let rows = [
        (
            CaseState::InProgress { stage: 1 },
            all_case_commands()[0].clone(),
            "YRRRRRRRRRRRR",
        ),
        (
            CaseState::ReadyForIssuance,
            CaseCommand::Issue,
            "YRRRRRRRRRRRR",
        ),
    ];
    for (state, cmd, letters) in rows {
        for (role, letter) in Role::ALL.into_iter().zip(letters.chars()) {
            for department in [Some(1), None] {
                let who = Actor::new(9, role, department);
                let got = case_transition(&case_in(state), &[], &cmd, &who, now());
                match letter {
                    'Y' => assert!(got.is_ok(), "{role} {cmd:?}: {got:?}"),
                    _ => assert_eq!(
                        got.map(|_| ()).map_err(|r| r.code()),
                        Err("wrong_role"),
                        "{role} {cmd:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn withdrawal_cancels_open_branches_only() {
    let mk = |id, case_id, state| Branch {
        state,
        ..Branch::new(id, case_id, id * 10, id, 1)
    };
    let branches = vec![
        mk(1, CASE_ID, BranchState::Approved),
        mk(2, CASE_ID, BranchState::Reviewing),
        mk(3, CASE_ID, BranchState::AwaitingSupplement),
        mk(4, CASE_ID, BranchState::Rejected),
        mk(5, CASE_ID, BranchState::Received),
        mk(6, CASE_ID + 1, BranchState::Reviewing), // another case
        mk(7, CASE_ID, BranchState::Cancelled),
    ];
    let cmd = CaseCommand::Withdraw {
        reason: "申请人申请撤回".into(),
    };
    let t = case_transition(
        &case_in(CaseState::InProgress { stage: 1 }),
        &branches,
        &cmd,
        &clerk(),
        now(),
    )
    .expect("withdraw");
    assert_eq!(t.new_state, CaseState::Withdrawn);
    assert_eq!(t.cancel_branch_ids, vec![2, 3, 5]);
    assert!(t.cancel_reason.contains("申请人申请撤回"));
    match &t.events[0] {
        Event::CaseWithdrawn {
            cancelled_branch_ids,
            reason,
            actor_id,
            ..
        } => {
            assert_eq!(cancelled_branch_ids, &vec![2, 3, 5]);
            assert_eq!(reason, "申请人申请撤回");
            assert_eq!(*actor_id, 7);
        }
        other => panic!("unexpected {other:?}"),
    }
    // The caller then cancels them; decided branches are left alone.
    let cancels =
        workflow::cancel_branches(&branches, &t.cancel_branch_ids, &t.cancel_reason, now());
    let ids: Vec<i64> = cancels.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![2, 3, 5]);
    for (id, tr) in &cancels {
        assert_eq!(tr.new_state, BranchState::Cancelled, "{id}");
        assert_eq!(tr.events[0].kind(), "branch_cancelled");
    }
    // Listing a decided branch has no effect.
    assert!(workflow::cancel_branches(&branches, &[1, 4, 7], "x", now()).is_empty());
}

#[test]
fn withdrawal_needs_a_reason() {
    let cmd = CaseCommand::Withdraw { reason: " ".into() };
    let got = case_transition(&case_in(CaseState::Accepted), &[], &cmd, &clerk(), now());
    assert_eq!(got.map(|_| ()).map_err(|r| r.code()), Err("empty_reason"));
}
