//! Stored names: states, roles, procedures, policies, codes.

use std::collections::HashSet;

use workflow::{
    BranchCommand, BranchState, CaseCommand, CaseState, Event, JoinPolicy, Refusal, Role,
    SpecialProcedure,
};

use crate::common::{all_commands, all_states};

#[test]
fn every_branch_state_round_trips_through_its_string() {
    let mut names = HashSet::new();
    for state in all_states() {
        let s = state.to_string();
        assert_eq!(s.parse::<BranchState>(), Ok(state), "{s}");
        assert!(s.starts_with(state.as_str()));
        names.insert(state.as_str());
    }
    for procedure in SpecialProcedure::ALL {
        for resume_to in [workflow::Phase::Reviewing, workflow::Phase::Approving] {
            let state = BranchState::Suspended {
                resume_to,
                procedure,
            };
            assert_eq!(state.to_string().parse::<BranchState>(), Ok(state));
        }
        assert_eq!(procedure.as_str().parse(), Ok(procedure));
    }
    let expected: HashSet<&str> = BranchState::NAMES.into_iter().collect();
    assert_eq!(names, expected);
    assert_eq!(
        BranchState::Suspended {
            resume_to: workflow::Phase::Approving,
            procedure: SpecialProcedure::ExpertReview
        }
        .to_string(),
        "suspended:approving:expert_review"
    );
}

#[test]
fn malformed_branch_states_are_rejected() {
    for bad in [
        "",
        "suspended",
        "suspended:reviewing",
        "suspended:received:hearing",
        "suspended:reviewing:party",
        "suspended:reviewing:hearing:x",
        "Approved",
        "supplement",
        " approved",
    ] {
        let got = bad.parse::<BranchState>();
        assert!(got.is_err(), "`{bad}` parsed as {got:?}");
    }
}

#[test]
fn every_case_state_round_trips_and_malformed_ones_fail() {
    let states = [
        CaseState::Accepted,
        CaseState::InProgress { stage: 1 },
        CaseState::InProgress { stage: 12 },
        CaseState::ReadyForIssuance,
        CaseState::Issued,
        CaseState::Rejected,
        CaseState::Withdrawn,
    ];
    let mut names = HashSet::new();
    for state in states {
        assert_eq!(state.to_string().parse::<CaseState>(), Ok(state));
        names.insert(state.as_str());
    }
    assert_eq!(names, CaseState::NAMES.into_iter().collect());
    assert_eq!(
        CaseState::InProgress { stage: 2 }.to_string(),
        "in_progress:2"
    );
    for bad in [
        "in_progress",
        "in_progress:0",
        "in_progress:01",
        "in_progress:+1",
        "in_progress:x",
        "ready",
    ] {
        assert!(bad.parse::<CaseState>().is_err(), "{bad}");
    }
}

#[test]
fn command_names_are_listed() {
    let names: Vec<&str> = all_commands().iter().map(BranchCommand::as_str).collect();
    assert_eq!(names, BranchCommand::NAMES);
    let case: Vec<&str> = [
        CaseCommand::Withdraw {
            reason: String::new(),
        },
        CaseCommand::Issue,
    ]
    .iter()
    .map(CaseCommand::as_str)
    .collect();
    assert_eq!(case, CaseCommand::NAMES);
}

#[test]
fn roles_and_policies_round_trip() {
    for role in Role::ALL {
        assert_eq!(role.as_str().parse(), Ok(role));
    }
    assert!("chief".parse::<Role>().is_err());
    for policy in [
        JoinPolicy::AllMustApprove { reject_fast: true },
        JoinPolicy::AllMustApprove { reject_fast: false },
    ] {
        assert_eq!(policy.to_string().parse(), Ok(policy));
    }
    assert!("all_must_approve".parse::<JoinPolicy>().is_err());
}

#[test]
fn refusal_codes_are_distinct_and_listed() {
    let samples = [
        Refusal::NotAllowedInState {
            state: "approved",
            command: "approve",
        },
        Refusal::WrongRole {
            command: "approve",
            required: &[Role::Approver],
            actual: Role::Clerk,
        },
        Refusal::WrongDepartment {
            branch_department: 1,
            actor_department: Some(2),
        },
        Refusal::ExtensionAlreadyUsed,
        Refusal::CaseClosed {
            state: "issued",
            command: "issue",
        },
        Refusal::CaseNotReady { state: "accepted" },
        Refusal::EmptyReason { field: "reason" },
        Refusal::EmptyMaterialList { field: "missing" },
        Refusal::MissingApprover,
        Refusal::InvalidDays { days: 0, max: 30 },
        Refusal::MaterialNotRequested {
            index: 0,
            code: "NOPE".into(),
            outstanding: vec!["M01".into()],
        },
        Refusal::WaiverNotAllowed {
            actual: Role::Clerk,
        },
        Refusal::SupplementAlreadyRequested { count: 1 },
        Refusal::ExtensionAfterExpiry {
            due_at: crate::common::now(),
        },
        Refusal::ExpectedEndInPast {
            expected_end: crate::common::now().date_naive(),
            today: crate::common::now().date_naive(),
        },
    ];
    let codes: Vec<&str> = samples.iter().map(Refusal::code).collect();
    assert_eq!(codes, Refusal::CODES);
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), codes.len());
    for r in &samples {
        assert!(!r.to_string().is_empty());
        assert!(r.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    }
    assert_eq!(
        Refusal::CaseClosed {
            state: "ready_for_issuance",
            command: "withdraw"
        }
        .to_string(),
        "case is ready for issuance; cannot withdraw"
    );
}

#[test]
fn event_kinds_are_distinct_snake_case() {
    let kinds: HashSet<&str> = Event::KINDS.into_iter().collect();
    assert_eq!(kinds.len(), Event::KINDS.len());
    assert!(kinds
        .iter()
        .all(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
}
