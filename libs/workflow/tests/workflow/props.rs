//! Property tests: random command sequences.

use proptest::prelude::*;
use workflow::{
    join, transition, Actor, Branch, BranchCommand, BranchState, Case, CaseState, ClockEffect,
    JoinOutcome, JoinPolicy, Role, SpecialProcedure, MAX_EXTENSION_DAYS,
};

use crate::common::{all_states, now, CASE_ID, DEPT, OTHER_DEPT};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("意见".to_owned())
    ]
}

fn materials() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn procedure() -> impl Strategy<Value = SpecialProcedure> {
    prop::sample::select(SpecialProcedure::ALL.to_vec())
}

fn command() -> impl Strategy<Value = BranchCommand> {
    prop_oneof![
        Just(BranchCommand::StartReview),
        text().prop_map(|opinion| BranchCommand::Review { opinion }),
        text().prop_map(|opinion| BranchCommand::Approve {
            opinion,
            decided_at: None
        }),
        text().prop_map(|reason| BranchCommand::Reject {
            reason,
            decided_at: None
        }),
        (materials(), text())
            .prop_map(|(missing, note)| BranchCommand::RequestSupplement { missing, note }),
        materials().prop_map(|received| BranchCommand::Supplement {
            received,
            resume_reason: None
        }),
        (procedure(), text(), 0i64..40, text()).prop_map(|(procedure, note, days, notice_ref)| {
            BranchCommand::Suspend {
                procedure,
                note,
                expected_end: chrono::NaiveDate::from_ymd_opt(2025, 2, 20).expect("date")
                    + chrono::Duration::days(days),
                notice_ref,
            }
        }),
        Just(BranchCommand::Resume),
        (0..=MAX_EXTENSION_DAYS + 5, text(), -1i64..3).prop_map(|(days, reason, approver_id)| {
            BranchCommand::Extend {
                days,
                reason,
                approver_id,
            }
        }),
        text().prop_map(|reason| BranchCommand::Cancel { reason }),
    ]
}

fn actor() -> impl Strategy<Value = Actor> {
    // Weighted towards the department's own staff so that sequences make progress.
    let role = prop_oneof![
        3 => Just(Role::Reviewer),
        3 => Just(Role::Approver),
        1 => prop::sample::select(Role::ALL.to_vec()),
    ];
    let department =
        prop_oneof![4 => Just(Some(DEPT)), 1 => Just(Some(OTHER_DEPT)), 1 => Just(None)];
    (role, department).prop_map(|(role, department_id)| Actor::new(5, role, department_id))
}

fn start() -> impl Strategy<Value = Branch> {
    (prop::sample::select(all_states()), any::<bool>()).prop_map(|(state, extension_used)| Branch {
        state,
        extension_used,
        ..Branch::new(1, CASE_ID, 1000, DEPT, 1)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decided_branches_never_move_and_extension_is_granted_once(
        start in start(),
        steps in prop::collection::vec((command(), actor()), 0..60),
    ) {
        let mut branch = start.clone();
        let mut extensions = 0;
        for (cmd, who) in &steps {
            let before = branch.clone();
            match transition(&branch, cmd, who, now()) {
                Ok(t) => {
                    prop_assert!(before.state.is_open(), "decided {} moved by {:?}", before.state, cmd);
                    prop_assert_eq!(t.events.len(), 1);
                    prop_assert_eq!(t.events[0].states(), (before.state.as_str(), t.new_state.as_str()));
                    if let ClockEffect::Extend(days) = t.clock {
                        prop_assert!(!before.extension_used);
                        prop_assert!((1..=MAX_EXTENSION_DAYS).contains(&days));
                        extensions += 1;
                    }
                    branch = t.apply(&branch);
                    prop_assert_eq!(branch.version, before.version + 1);
                    prop_assert!(branch.extension_used || !before.extension_used, "extension_used reset");
                }
                Err(refusal) => {
                    prop_assert!(!refusal.code().is_empty());
                    if before.state.is_decided() {
                        prop_assert_eq!(refusal.code(), "not_allowed_in_state");
                    }
                }
            }
            if before.state.is_decided() {
                prop_assert_eq!(&branch, &before);
            }
        }
        let allowed = if start.extension_used { 0 } else { 1 };
        prop_assert!(extensions <= allowed, "{} extensions", extensions);
        prop_assert_eq!(branch.extension_used, start.extension_used || extensions == 1);
    }

    #[test]
    fn join_is_idempotent_and_ready_needs_every_approval(
        states in prop::collection::vec(
            prop::sample::select(vec![
                BranchState::Received,
                BranchState::Reviewing,
                BranchState::AwaitingSupplement,
                BranchState::Approved,
                BranchState::Approved,
                BranchState::Approved,
                BranchState::Rejected,
            ]),
            0..6,
        ),
        stage_count in 1u32..4,
        stage_pick in 0u32..3,
        reject_fast in any::<bool>(),
    ) {
        let stage = 1 + stage_pick % stage_count;
        let case = Case { state: CaseState::InProgress { stage }, ..Case::new(CASE_ID, stage_count) };
        let branches: Vec<Branch> = states
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let id = i64::try_from(i).unwrap_or(0) + 1;
                Branch { state: *s, ..Branch::new(id, CASE_ID, id, id, stage) }
            })
            .collect();
        let policy = JoinPolicy::AllMustApprove { reject_fast };
        let outcome = join(&case, &branches, policy, now());
        let all_approved = !states.is_empty() && states.iter().all(|s| *s == BranchState::Approved);
        let any_rejected = states.contains(&BranchState::Rejected);
        let any_open = states.iter().any(BranchState::is_open);
        match &outcome {
            JoinOutcome::Ready { .. } => prop_assert!(all_approved && stage == stage_count),
            JoinOutcome::OpenStage { stage: next, .. } => {
                prop_assert!(all_approved);
                prop_assert_eq!(*next, stage + 1);
            }
            JoinOutcome::Rejected { cancel_branch_ids, .. } => {
                prop_assert!(any_rejected);
                prop_assert!(reject_fast || !any_open);
                let open: Vec<i64> = branches.iter().filter(|b| b.state.is_open()).map(|b| b.id).collect();
                prop_assert_eq!(cancel_branch_ids, &open);
            }
            JoinOutcome::Nothing => prop_assert!(!all_approved && (!any_rejected || (any_open && !reject_fast))),
        }
        // Storing the outcome and joining again yields nothing.
        let stored = Case { state: outcome.new_state().unwrap_or(case.state), ..case.clone() };
        if outcome != JoinOutcome::Nothing {
            prop_assert_eq!(join(&stored, &branches, policy, now()), JoinOutcome::Nothing);
        }
    }
}
