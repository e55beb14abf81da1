//! Join of parallel branches.

use workflow::{
    cancel_branches, join, transition, Actor, Branch, BranchCommand, BranchState, Case, CaseState,
    Event, JoinOutcome, JoinPolicy, Role, NO_REASON_RECORDED,
};

use crate::common::{now, CASE_ID};

const FAST: JoinPolicy = JoinPolicy::AllMustApprove { reject_fast: true };
const WAIT: JoinPolicy = JoinPolicy::AllMustApprove { reject_fast: false };

/// Branch `id` of department `id`, item `id * 10`, in `stage`.
fn branch(id: i64, stage: u32, state: BranchState) -> Branch {
    Branch {
        state,
        ..Branch::new(id, CASE_ID, id * 10, id, stage)
    }
}

fn rejected(id: i64, stage: u32, reason: &str) -> Branch {
    Branch {
        decision_note: Some(reason.into()),
        ..branch(id, stage, BranchState::Rejected)
    }
}

fn in_progress(stage: u32, stage_count: u32) -> Case {
    Case {
        state: CaseState::InProgress { stage },
        ..Case::new(CASE_ID, stage_count)
    }
}

/// Store the join outcome as the caller would.
fn store(case: &Case, outcome: &JoinOutcome) -> Case {
    match outcome.new_state() {
        Some(state) => Case {
            state,
            version: case.version + 1,
            ..case.clone()
        },
        None => case.clone(),
    }
}

/// Drive a branch to approved through real commands.
fn approve_via_commands(b: &Branch) -> Branch {
    let reviewer = Actor::new(1, Role::Reviewer, Some(b.department_id));
    let chief = Actor::new(2, Role::Approver, Some(b.department_id));
    let steps = [
        (BranchCommand::StartReview, &reviewer),
        (
            BranchCommand::Review {
                opinion: "符合条件".into(),
            },
            &reviewer,
        ),
        (
            BranchCommand::Approve {
                opinion: "同意".into(),
                decided_at: None,
            },
            &chief,
        ),
    ];
    steps.iter().fold(b.clone(), |b, (cmd, who)| {
        transition(&b, cmd, who, now()).expect("allowed").apply(&b)
    })
}

#[test]
fn four_branches_all_approved_emit_exactly_one_case_ready() {
    let mut case = in_progress(1, 1);
    let mut branches: Vec<Branch> = (1..=4)
        .map(|id| branch(id, 1, BranchState::Received))
        .collect();
    let mut ready_events = 0;
    for i in 0..4 {
        branches[i] = approve_via_commands(&branches[i]);
        let outcome = join(&case, &branches, FAST, now());
        if i < 3 {
            assert_eq!(outcome, JoinOutcome::Nothing, "after {} approvals", i + 1);
        }
        if let Some(Event::CaseReady {
            case_id, from, to, ..
        }) = outcome.event()
        {
            assert_eq!(
                (*case_id, from.as_str(), to.as_str()),
                (CASE_ID, "in_progress", "ready_for_issuance")
            );
            ready_events += 1;
        }
        case = store(&case, &outcome);
    }
    assert_eq!(ready_events, 1);
    assert_eq!(case.state, CaseState::ReadyForIssuance);
    // Idempotent: joining again on the ready case does nothing.
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
    assert_eq!(join(&case, &branches, WAIT, now()), JoinOutcome::Nothing);
}

#[test]
fn two_departments_deciding_at_the_same_instant_join_once() {
    // Both last approvals are visible in the same snapshot (serialised by the case lock).
    let case = in_progress(1, 1);
    let branches: Vec<Branch> = (1..=4)
        .map(|id| branch(id, 1, BranchState::Approved))
        .collect();
    let first = join(&case, &branches, FAST, now());
    assert!(matches!(first, JoinOutcome::Ready { .. }), "{first:?}");
    // The second transaction re-reads the stored case and finds nothing to do.
    let case = store(&case, &first);
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
    // Input order does not matter.
    let mut reversed = branches.clone();
    reversed.reverse();
    assert_eq!(join(&in_progress(1, 1), &reversed, FAST, now()), first);
}

#[test]
fn one_rejection_with_reject_fast_rejects_and_cancels_the_open_branches() {
    let case = in_progress(1, 1);
    let branches = vec![
        branch(1, 1, BranchState::Approved),
        rejected(2, 1, "消防验收不合格"),
        branch(3, 1, BranchState::Reviewing),
        branch(4, 1, BranchState::AwaitingSupplement),
    ];
    let outcome = join(&case, &branches, FAST, now());
    let JoinOutcome::Rejected {
        rejections,
        cancel_branch_ids,
        cancel_reason,
        event,
    } = &outcome
    else {
        panic!("expected rejection, got {outcome:?}");
    };
    assert_eq!(rejections.len(), 1);
    assert_eq!(
        (
            rejections[0].department_id,
            rejections[0].branch_id,
            rejections[0].item_id
        ),
        (2, 2, 20)
    );
    assert_eq!(rejections[0].reason, "消防验收不合格");
    assert_eq!(cancel_branch_ids, &vec![3, 4]);
    assert!(cancel_reason.contains("department 2"), "{cancel_reason}");
    match event {
        Event::CaseRejected {
            rejections: r,
            cancelled_branch_ids,
            from,
            to,
            ..
        } => {
            assert_eq!(r, rejections);
            assert_eq!(cancelled_branch_ids, cancel_branch_ids);
            assert_eq!((from.as_str(), to.as_str()), ("in_progress", "rejected"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(outcome.new_state(), Some(CaseState::Rejected));

    let cancels = cancel_branches(&branches, cancel_branch_ids, cancel_reason, now());
    assert_eq!(cancels.len(), 2);
    let mut after = branches.clone();
    for (id, t) in &cancels {
        assert_eq!(t.new_state, BranchState::Cancelled);
        let b = after
            .iter_mut()
            .find(|b| b.id == *id)
            .expect("listed branch exists");
        *b = t.apply(b);
        assert_eq!(b.decision_note.as_deref(), Some(cancel_reason.as_str()));
    }
    assert_eq!(
        after[0].state,
        BranchState::Approved,
        "decided branches untouched"
    );
    assert_eq!(after[1].state, BranchState::Rejected);
    let case = store(&case, &outcome);
    assert_eq!(join(&case, &after, FAST, now()), JoinOutcome::Nothing);
}

#[test]
fn reject_waiting_for_all_decides_only_when_the_stage_is_decided() {
    let case = in_progress(1, 1);
    let mut branches = vec![
        branch(1, 1, BranchState::Approved),
        rejected(2, 1, "不符合产业政策"),
        branch(3, 1, BranchState::Approving),
        branch(4, 1, BranchState::Reviewing),
    ];
    assert_eq!(join(&case, &branches, WAIT, now()), JoinOutcome::Nothing);
    branches[2] = rejected(3, 1, "环评未通过");
    assert_eq!(join(&case, &branches, WAIT, now()), JoinOutcome::Nothing);
    branches[3].state = BranchState::Approved;
    match join(&case, &branches, WAIT, now()) {
        JoinOutcome::Rejected {
            rejections,
            cancel_branch_ids,
            cancel_reason,
            ..
        } => {
            let got: Vec<(i64, &str)> = rejections
                .iter()
                .map(|r| (r.department_id, r.reason.as_str()))
                .collect();
            assert_eq!(got, vec![(2, "不符合产业政策"), (3, "环评未通过")]);
            assert!(cancel_branch_ids.is_empty());
            assert!(cancel_reason.contains("department 2, 3"), "{cancel_reason}");
        }
        other => panic!("expected rejection, got {other:?}"),
    }
}

#[test]
fn staged_bundle_opens_stage_two_only_after_stage_one_is_approved() {
    let mut case = Case::new(CASE_ID, 2);
    // Acceptance: join opens stage 1.
    let outcome = join(&case, &[], FAST, now());
    assert!(matches!(
        &outcome,
        JoinOutcome::OpenStage {
            stage: 1,
            event: Event::StageOpened { stage: 1, .. }
        }
    ));
    assert_eq!(
        outcome.event().map(|e| e.states()),
        Some(("accepted", "in_progress"))
    );
    case = store(&case, &outcome);
    assert_eq!(case.state, CaseState::InProgress { stage: 1 });

    let mut branches = vec![branch(1, 1, BranchState::Received)];
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
    branches[0].state = BranchState::Approving;
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
    branches[0] = approve_via_commands(&branch(1, 1, BranchState::Received));

    let outcome = join(&case, &branches, FAST, now());
    assert!(
        matches!(outcome, JoinOutcome::OpenStage { stage: 2, .. }),
        "{outcome:?}"
    );
    case = store(&case, &outcome);
    assert_eq!(case.state, CaseState::InProgress { stage: 2 });
    // Stage 2 opened but its branches are not created yet: nothing (never vacuously ready).
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);

    branches.extend((2..=4).map(|id| branch(id, 2, BranchState::Received)));
    for i in 1..4 {
        assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
        branches[i] = approve_via_commands(&branches[i]);
    }
    let outcome = join(&case, &branches, FAST, now());
    assert!(matches!(outcome, JoinOutcome::Ready { .. }), "{outcome:?}");
    case = store(&case, &outcome);
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
}

#[test]
fn stage_two_does_not_open_while_stage_one_is_open() {
    let case = in_progress(1, 2);
    // Even if later-stage rows exist and are approved, stage 1 governs.
    let branches = vec![
        branch(1, 1, BranchState::Reviewing),
        branch(2, 2, BranchState::Approved),
        branch(3, 2, BranchState::Approved),
    ];
    assert_eq!(join(&case, &branches, FAST, now()), JoinOutcome::Nothing);
}

#[test]
fn rejection_in_stage_one_rejects_the_case_and_stage_two_never_opens() {
    let case = in_progress(1, 2);
    let branches = vec![rejected(1, 1, "规划不许可")];
    let outcome = join(&case, &branches, FAST, now());
    assert!(
        matches!(outcome, JoinOutcome::Rejected { .. }),
        "{outcome:?}"
    );
    let case = store(&case, &outcome);
    let mut later = branches.clone();
    later.push(branch(2, 2, BranchState::Approved));
    assert_eq!(join(&case, &later, FAST, now()), JoinOutcome::Nothing);
}

#[test]
fn rejection_reason_comes_from_the_reject_command() {
    let b = branch(5, 1, BranchState::Approving);
    let chief = Actor::new(2, Role::Approver, Some(5));
    let t = transition(
        &b,
        &BranchCommand::Reject {
            reason: "超出经营范围".into(),
            decided_at: None,
        },
        &chief,
        now(),
    )
    .expect("chief rejects");
    let b = t.apply(&b);
    match join(&in_progress(1, 1), &[b], FAST, now()) {
        JoinOutcome::Rejected { rejections, .. } => {
            assert_eq!(rejections[0].reason, "超出经营范围")
        }
        other => panic!("{other:?}"),
    }
    // A rejected row without a stored reason still reports one.
    match join(
        &in_progress(1, 1),
        &[branch(6, 1, BranchState::Rejected)],
        FAST,
        now(),
    ) {
        JoinOutcome::Rejected { rejections, .. } => {
            assert_eq!(rejections[0].reason, NO_REASON_RECORDED)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn closed_and_odd_cases_join_to_nothing() {
    let approved = vec![branch(1, 1, BranchState::Approved)];
    for state in [
        CaseState::ReadyForIssuance,
        CaseState::Issued,
        CaseState::Rejected,
        CaseState::Withdrawn,
    ] {
        let case = Case {
            state,
            ..Case::new(CASE_ID, 1)
        };
        assert_eq!(
            join(&case, &approved, FAST, now()),
            JoinOutcome::Nothing,
            "{state}"
        );
    }
    // Branches of another case are ignored.
    let foreign = vec![Branch {
        case_id: CASE_ID + 1,
        ..branch(1, 1, BranchState::Approved)
    }];
    assert_eq!(
        join(&in_progress(1, 1), &foreign, FAST, now()),
        JoinOutcome::Nothing
    );
    // A cancelled branch without any rejection blocks the stage.
    let odd = vec![
        branch(1, 1, BranchState::Approved),
        branch(2, 1, BranchState::Cancelled),
    ];
    assert_eq!(
        join(&in_progress(1, 1), &odd, FAST, now()),
        JoinOutcome::Nothing
    );
    // A bundle without stages never opens one.
    assert_eq!(
        join(&Case::new(CASE_ID, 0), &[], FAST, now()),
        JoinOutcome::Nothing
    );
}

#[test]
fn default_policy_is_reject_fast() {
    assert_eq!(JoinPolicy::default(), FAST);
}
