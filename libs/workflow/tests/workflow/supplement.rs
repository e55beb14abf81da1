//! Supplement (补正): a request lists what is missing once; a delivery may name only what is
//! still outstanding; the clock resumes when the last material is in, or earlier by the
//! department's explicit decision, which the event records with what it waived.

use workflow::{transition, BranchCommand, BranchState, ClockEffect, Event, Role};

use crate::common::*;

fn request(missing: &[&str]) -> BranchCommand {
    BranchCommand::RequestSupplement {
        missing: missing.iter().map(|m| m.to_string()).collect(),
        note: String::new(),
    }
}

fn supply(received: &[&str], resume_reason: Option<&str>) -> BranchCommand {
    BranchCommand::Supplement {
        received: received.iter().map(|m| m.to_string()).collect(),
        resume_reason: resume_reason.map(str::to_string),
    }
}

fn awaiting(pending: &[&str]) -> workflow::Branch {
    workflow::Branch {
        pending_materials: pending.iter().map(|m| m.to_string()).collect(),
        ..branch_in(BranchState::AwaitingSupplement)
    }
}

#[test]
fn a_request_records_each_missing_material_once() {
    let b = branch_in(BranchState::Reviewing);
    let t = transition(
        &b,
        &request(&["M01", " M02", "M01"]),
        &actor(Role::Reviewer, Some(DEPT)),
        now(),
    )
    .unwrap();
    assert_eq!(t.new_state, BranchState::AwaitingSupplement);
    assert_eq!(t.apply(&b).pending_materials, vec!["M01", "M02"]);
}

#[test]
fn a_partial_delivery_keeps_the_clock_paused() {
    let b = awaiting(&["M01", "M02"]);
    let t = transition(
        &b,
        &supply(&["M01"], None),
        &actor(Role::Clerk, None),
        now(),
    )
    .unwrap();
    assert_eq!(t.new_state, BranchState::AwaitingSupplement);
    assert_eq!(t.clock, ClockEffect::None);
    let next = t.apply(&b);
    assert_eq!(next.pending_materials, vec!["M02"]);
    match &t.events[0] {
        Event::SupplementReceived {
            outstanding, to, ..
        } => {
            assert_eq!(outstanding, &vec!["M02".to_string()]);
            assert_eq!(to, "awaiting_supplement");
        }
        other => panic!("{other:?}"),
    }
    // The last one resumes the clock and clears what is pending.
    let t = transition(
        &next,
        &supply(&["M02"], None),
        &actor(Role::Clerk, None),
        now(),
    )
    .unwrap();
    assert_eq!(t.new_state, BranchState::Reviewing);
    assert_eq!(t.clock, ClockEffect::Resume);
    assert!(t.apply(&next).pending_materials.is_empty());
}

#[test]
fn materials_never_requested_or_already_supplied_are_refused() {
    let b = awaiting(&["M01"]);
    for bad in [vec!["NOPE"], vec!["M01", "M01"], vec!["M02"]] {
        let err =
            transition(&b, &supply(&bad, None), &actor(Role::Clerk, None), now()).unwrap_err();
        assert_eq!(err.code(), "material_not_requested", "{bad:?}");
        assert!(err.is_invalid_input());
        assert!(err.field().unwrap().starts_with("received["), "{err:?}");
    }
    let err = transition(
        &b,
        &supply(&["M01", "NOPE"], None),
        &actor(Role::Clerk, None),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.field().as_deref(), Some("received[1]"));
}

#[test]
fn resuming_with_materials_outstanding_is_the_departments_reasoned_decision() {
    let b = awaiting(&["M01", "M02"]);
    let err = transition(
        &b,
        &supply(&["M01"], Some("申请人书面承诺补交")),
        &actor(Role::Clerk, None),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "waiver_not_allowed");
    let err = transition(
        &b,
        &supply(&["M01"], Some("  ")),
        &actor(Role::Reviewer, Some(DEPT)),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "empty_reason");
    let t = transition(
        &b,
        &supply(&["M01"], Some("申请人书面承诺补交")),
        &actor(Role::Reviewer, Some(DEPT)),
        now(),
    )
    .unwrap();
    assert_eq!(t.new_state, BranchState::Reviewing);
    assert_eq!(t.clock, ClockEffect::Resume);
    match &t.events[0] {
        Event::SupplementReceived {
            outstanding,
            resume_reason,
            ..
        } => {
            assert_eq!(outstanding, &vec!["M02".to_string()], "what was waived");
            assert_eq!(resume_reason.as_deref(), Some("申请人书面承诺补交"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_second_request_needs_a_supervisors_allowance() {
    let reviewer = actor(Role::Reviewer, Some(DEPT));
    let first = branch_in(BranchState::Reviewing);
    let t = transition(&first, &request(&["M01"]), &reviewer, now()).unwrap();
    let waiting = t.apply(&first);
    assert_eq!(waiting.supplement_requests, 1);
    let back = transition(&waiting, &supply(&["M01"], None), &reviewer, now())
        .unwrap()
        .apply(&waiting);
    assert_eq!(back.state, BranchState::Reviewing);
    let err = transition(&back, &request(&["M02"]), &reviewer, now()).unwrap_err();
    assert_eq!(err.code(), "supplement_already_requested");
    assert!(err.to_string().contains("第三十二条"));
    assert!(
        !err.is_invalid_input() && !err.is_permission(),
        "a conflict with the branch's history"
    );
    // Allowed once by a supervisor: one more request, and the allowance is used up.
    let allowed = workflow::Branch {
        supplement_allowed: true,
        ..back
    };
    let again = transition(&allowed, &request(&["M02"]), &reviewer, now())
        .unwrap()
        .apply(&allowed);
    assert_eq!(again.supplement_requests, 2);
    assert!(!again.supplement_allowed);
}

#[test]
fn an_item_that_restarts_its_limit_says_so_when_the_last_material_is_in() {
    let b = workflow::Branch {
        supplement_restarts: true,
        ..awaiting(&["M01", "M02"])
    };
    let clerk = actor(Role::Clerk, None);
    let t = transition(&b, &supply(&["M01"], None), &clerk, now()).unwrap();
    assert_eq!(
        t.clock,
        ClockEffect::None,
        "still waiting: nothing restarts"
    );
    let next = t.apply(&b);
    let t = transition(&next, &supply(&["M02"], None), &clerk, now()).unwrap();
    assert_eq!(t.clock, ClockEffect::Restart);
}
