//! Special procedures (特别程序, 行政许可法 第四十五条) stop the clock, so a suspension names its
//! expected end and the written notice to the applicant, and never ends in the past.

use chrono::NaiveDate;
use workflow::{transition, BranchCommand, BranchState, Event, Role, SpecialProcedure};

use crate::common::*;

fn suspend(expected_end: NaiveDate, notice_ref: &str) -> BranchCommand {
    BranchCommand::Suspend {
        procedure: SpecialProcedure::ExpertReview,
        note: String::new(),
        expected_end,
        notice_ref: notice_ref.into(),
    }
}

#[test]
fn a_suspension_names_its_expected_end_and_written_notice() {
    let reviewer = actor(Role::Reviewer, Some(DEPT));
    let b = branch_in(BranchState::Reviewing);
    // now() is Mon 3 Mar 2025 17:00 in Shanghai: 3 March is today, 2 March is past.
    let today = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    let t = transition(
        &b,
        &suspend(today, "专家评审告知书〔2025〕1号"),
        &reviewer,
        now(),
    )
    .unwrap();
    match &t.events[0] {
        Event::Suspended {
            expected_end,
            notice_ref,
            ..
        } => {
            assert_eq!(*expected_end, Some(today));
            assert_eq!(notice_ref, "专家评审告知书〔2025〕1号");
        }
        other => panic!("{other:?}"),
    }
    let err = transition(
        &b,
        &suspend(today.pred_opt().unwrap(), "x"),
        &reviewer,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "expected_end_in_past");
    assert_eq!(err.field().as_deref(), Some("expected_end"));
    assert!(err.to_string().contains("第四十五条"));
    let err = transition(&b, &suspend(today, "  "), &reviewer, now()).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("notice_ref"));
}
