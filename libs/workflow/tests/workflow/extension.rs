//! Extensions (延期, 行政许可法 第四十二条): once, only while the clock runs and before the limit
//! has passed, at most 10 working days (15 when handled jointly), with a reason and the
//! approving 负责人.

use chrono::Duration;
use workflow::{
    transition, BranchCommand, BranchState, ClockEffect, Event, Role, MAX_EXTENSION_DAYS,
    MAX_JOINT_EXTENSION_DAYS,
};

use crate::common::*;

fn extend(days: u32) -> BranchCommand {
    BranchCommand::Extend {
        days,
        reason: "需组织专家论证".into(),
        approver_id: 7,
    }
}

#[test]
fn the_law_allows_ten_working_days_or_fifteen_when_joint() {
    assert_eq!((MAX_EXTENSION_DAYS, MAX_JOINT_EXTENSION_DAYS), (10, 15));
    let approver = actor(Role::Approver, Some(DEPT));
    let single = branch_in(BranchState::Reviewing);
    assert!(transition(&single, &extend(10), &approver, now()).is_ok());
    let err = transition(&single, &extend(11), &approver, now()).unwrap_err();
    assert_eq!(err.code(), "invalid_days");
    assert!(err.to_string().contains("第四十二条"), "{err}");
    let joint = workflow::Branch {
        joint: true,
        ..single
    };
    let t = transition(&joint, &extend(15), &approver, now()).unwrap();
    assert_eq!(t.clock, ClockEffect::Extend(15));
    match &t.events[0] {
        Event::Extended {
            reason,
            approver_id,
            days,
            ..
        } => assert_eq!(
            (reason.as_str(), *approver_id, *days),
            ("需组织专家论证", 7, 15)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        transition(&joint, &extend(16), &approver, now())
            .unwrap_err()
            .code(),
        "invalid_days"
    );
}

#[test]
fn not_after_the_limit_has_passed() {
    let approver = actor(Role::Approver, Some(DEPT));
    let due = now() - Duration::minutes(1);
    let late = workflow::Branch {
        due_at: Some(due),
        ..branch_in(BranchState::Approving)
    };
    let err = transition(&late, &extend(5), &approver, now()).unwrap_err();
    assert_eq!(err.code(), "extension_after_expiry");
    assert!(err.to_string().contains("第四十二条"));
    // At the due moment itself it is still in time.
    let on_time = workflow::Branch {
        due_at: Some(now()),
        ..late
    };
    assert!(transition(&on_time, &extend(5), &approver, now()).is_ok());
}

#[test]
fn not_while_the_clock_is_paused_and_never_without_reason_or_approver() {
    let approver = actor(Role::Approver, Some(DEPT));
    for paused in [
        BranchState::AwaitingSupplement,
        "suspended:reviewing:hearing".parse().unwrap(),
    ] {
        let err = transition(&branch_in(paused), &extend(5), &approver, now()).unwrap_err();
        assert_eq!(err.code(), "not_allowed_in_state", "{paused}");
    }
    let b = branch_in(BranchState::Reviewing);
    let no_reason = BranchCommand::Extend {
        days: 5,
        reason: "  ".into(),
        approver_id: 7,
    };
    assert_eq!(
        transition(&b, &no_reason, &approver, now())
            .unwrap_err()
            .field()
            .as_deref(),
        Some("reason")
    );
    let no_approver = BranchCommand::Extend {
        days: 5,
        reason: "x".into(),
        approver_id: 0,
    };
    assert_eq!(
        transition(&b, &no_approver, &approver, now())
            .unwrap_err()
            .field()
            .as_deref(),
        Some("approver_id")
    );
}
