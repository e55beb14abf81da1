//! Every branch state × every branch command, against a table written out by hand.

use std::collections::HashSet;

use workflow::{transition, BranchCommand, ClockEffect, PauseReason, SpecialProcedure};

use crate::common::{all_commands, all_states, branch_in, now, permitted_actor};

const NA: &str = "!not_allowed_in_state";

/// (state, command, expected new state or `!code`, expected clock effect).
/// Clock: `-` none, `pause:supplement`, `pause:expert_review`, `resume`, `extend:10`.
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, &str)] = &[
    ("received", "start_review", "reviewing", "-"),
    ("received", "review", NA, ""),
    ("received", "approve", NA, ""),
    ("received", "reject", NA, ""),
    ("received", "request_supplement", NA, ""),
    ("received", "supplement", NA, ""),
    ("received", "suspend", NA, ""),
    ("received", "resume", NA, ""),
    ("received", "extend", "received", "extend:10"),
    ("received", "cancel", "cancelled", "-"),

    ("reviewing", "start_review", NA, ""),
    ("reviewing", "review", "approving", "-"),
    ("reviewing", "approve", NA, ""),
    ("reviewing", "reject", NA, ""),
    ("reviewing", "request_supplement", "awaiting_supplement", "pause:supplement"),
    ("reviewing", "supplement", NA, ""),
    ("reviewing", "suspend", "suspended:reviewing:expert_review", "pause:expert_review"),
    ("reviewing", "resume", NA, ""),
    ("reviewing", "extend", "reviewing", "extend:10"),
    ("reviewing", "cancel", "cancelled", "-"),

    ("approving", "start_review", NA, ""),
    ("approving", "review", NA, ""),
    ("approving", "approve", "approved", "-"),
    ("approving", "reject", "rejected", "-"),
    ("approving", "request_supplement", "awaiting_supplement", "pause:supplement"),
    ("approving", "supplement", NA, ""),
    ("approving", "suspend", "suspended:approving:expert_review", "pause:expert_review"),
    ("approving", "resume", NA, ""),
    ("approving", "extend", "approving", "extend:10"),
    ("approving", "cancel", "cancelled", "-"),

    ("awaiting_supplement", "start_review", NA, ""),
    ("awaiting_supplement", "review", NA, ""),
    ("awaiting_supplement", "approve", NA, ""),
    ("awaiting_supplement", "reject", NA, ""),
    ("awaiting_supplement", "request_supplement", NA, ""),
    ("awaiting_supplement", "supplement", "reviewing", "resume"),
    ("awaiting_supplement", "suspend", NA, ""),
    ("awaiting_supplement", "resume", NA, ""),
    ("awaiting_supplement", "extend", NA, ""),
    ("awaiting_supplement", "cancel", "cancelled", "-"),

    ("suspended:reviewing:hearing", "start_review", NA, ""),
    ("suspended:reviewing:hearing", "review", NA, ""),
    ("suspended:reviewing:hearing", "approve", NA, ""),
    ("suspended:reviewing:hearing", "reject", NA, ""),
    ("suspended:reviewing:hearing", "request_supplement", NA, ""),
    ("suspended:reviewing:hearing", "supplement", NA, ""),
    ("suspended:reviewing:hearing", "suspend", NA, ""),
    ("suspended:reviewing:hearing", "resume", "reviewing", "resume"),
    ("suspended:reviewing:hearing", "extend", NA, ""),
    ("suspended:reviewing:hearing", "cancel", "cancelled", "-"),

    ("suspended:approving:expert_review", "start_review", NA, ""),
    ("suspended:approving:expert_review", "review", NA, ""),
    ("suspended:approving:expert_review", "approve", NA, ""),
    ("suspended:approving:expert_review", "reject", NA, ""),
    ("suspended:approving:expert_review", "request_supplement", NA, ""),
    ("suspended:approving:expert_review", "supplement", NA, ""),
    ("suspended:approving:expert_review", "suspend", NA, ""),
    ("suspended:approving:expert_review", "resume", "approving", "resume"),
    ("suspended:approving:expert_review", "extend", NA, ""),
    ("suspended:approving:expert_review", "cancel", "cancelled", "-"),

    ("approved", "start_review", NA, ""),
    ("approved", "review", NA, ""),
    ("approved", "approve", NA, ""),
    ("approved", "reject", NA, ""),
    ("approved", "request_supplement", NA, ""),
    ("approved", "supplement", NA, ""),
    ("approved", "suspend", NA, ""),
    ("approved", "resume", NA, ""),
    ("approved", "extend", NA, ""),
    ("approved", "cancel", NA, ""),

    ("rejected", "start_review", NA, ""),
    ("rejected", "review", NA, ""),
    ("rejected", "approve", NA, ""),
    ("rejected", "reject", NA, ""),
    ("rejected", "request_supplement", NA, ""),
    ("rejected", "supplement", NA, ""),
    ("rejected", "suspend", NA, ""),
    ("rejected", "resume", NA, ""),
    ("rejected", "extend", NA, ""),
    ("rejected", "cancel", NA, ""),

    ("cancelled", "start_review", NA, ""),
    ("cancelled", "review", NA, ""),
    ("cancelled", "approve", NA, ""),
    ("cancelled", "reject", NA, ""),
    ("cancelled", "request_supplement", NA, ""),
    ("cancelled", "supplement", NA, ""),
    ("cancelled", "suspend", NA, ""),
    ("cancelled", "resume", NA, ""),
    ("cancelled", "extend", NA, ""),
    ("cancelled", "cancel", NA, ""),
];

/// Event type emitted by each command.
const EVENT_OF: &[(&str, &str)] = &[
    ("start_review", "review_started"),
    ("review", "reviewed"),
    ("approve", "branch_approved"),
    ("reject", "branch_rejected"),
    ("request_supplement", "supplement_requested"),
    ("supplement", "supplement_received"),
    ("suspend", "suspended"),
    ("resume", "resumed"),
    ("extend", "extended"),
    ("cancel", "branch_cancelled"),
];

fn expected(state: &str, cmd: &str) -> (&'static str, &'static str) {
    let rows: Vec<_> = TABLE
        .iter()
        .filter(|(s, c, _, _)| *s == state && *c == cmd)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "table must hold exactly one row for ({state}, {cmd})"
    );
    (rows[0].2, rows[0].3)
}

fn clock_str(c: &ClockEffect) -> String {
    match c {
        ClockEffect::None => "-".into(),
        ClockEffect::Pause(PauseReason::Supplement) => "pause:supplement".into(),
        ClockEffect::Pause(PauseReason::SpecialProcedure(p)) => format!("pause:{}", p.as_str()),
        ClockEffect::Resume => "resume".into(),
        ClockEffect::Extend(d) => format!("extend:{d}"),
        ClockEffect::Restart => "restart".into(),
    }
}

#[test]
fn every_state_and_command_matches_the_table() {
    let mut seen = HashSet::new();
    for state in all_states() {
        for cmd in all_commands() {
            let key = (state.to_string(), cmd.as_str());
            let (want, want_clock) = expected(&key.0, key.1);
            seen.insert(key.clone());
            let branch = branch_in(state);
            let got = transition(&branch, &cmd, &permitted_actor(&cmd), now());
            match (want.strip_prefix('!'), got) {
                (Some(code), Err(refusal)) => {
                    assert_eq!(refusal.code(), code, "{key:?}: {refusal}");
                    let msg = refusal.to_string();
                    assert!(
                        msg.contains(&state.as_str().replace('_', " "))
                            && msg.contains(&cmd.as_str().replace('_', " ")),
                        "{key:?}: message `{msg}` names state and command"
                    );
                }
                (None, Ok(t)) => {
                    assert_eq!(t.new_state.to_string(), want, "{key:?}");
                    assert_eq!(clock_str(&t.clock), want_clock, "{key:?}");
                    assert_eq!(t.events.len(), 1, "{key:?}");
                    let ev = &t.events[0];
                    let kind = EVENT_OF
                        .iter()
                        .find(|(c, _)| *c == cmd.as_str())
                        .map(|(_, k)| *k);
                    assert_eq!(Some(ev.kind()), kind, "{key:?}");
                    assert_eq!(
                        ev.states(),
                        (state.as_str(), t.new_state.as_str()),
                        "{key:?}"
                    );
                    assert_eq!(ev.branch_id(), Some(branch.id));
                    assert_eq!(ev.case_id(), branch.case_id);
                    assert_eq!(ev.at(), now());
                    let after = t.apply(&branch);
                    assert_eq!(after.version, branch.version + 1);
                    assert_eq!(after.state, t.new_state);
                    assert_eq!(
                        after.extension_used,
                        matches!(cmd, BranchCommand::Extend { .. })
                    );
                }
                (want, got) => panic!("{key:?}: expected {want:?}, got {got:?}"),
            }
        }
    }
    assert_eq!(
        seen.len(),
        TABLE.len(),
        "table has rows for pairs that were not run"
    );
}

#[test]
fn decided_branches_record_their_note() {
    let cases = [
        ("approving", "approve", Some("同意")),
        ("approving", "reject", Some("选址不符合规划")),
        ("reviewing", "cancel", Some("申请人撤件")),
        ("reviewing", "review", None),
    ];
    for (state, cmd, note) in cases {
        let branch = crate::common::branch_in(state.parse().expect("state"));
        let cmd = crate::common::command(cmd);
        let t = transition(&branch, &cmd, &permitted_actor(&cmd), now()).expect("allowed");
        assert_eq!(
            t.apply(&branch).decision_note.as_deref(),
            note,
            "{state} {cmd:?}"
        );
    }
}

#[test]
fn second_extension_is_refused_in_every_open_state() {
    let cmd = crate::common::command("extend");
    for state in all_states() {
        let mut branch = branch_in(state);
        branch.extension_used = true;
        let got = transition(&branch, &cmd, &permitted_actor(&cmd), now());
        let code = got.expect_err("never a second extension").code();
        let want = if state.is_open() && !state.is_clock_paused() {
            "extension_already_used"
        } else {
            "not_allowed_in_state"
        };
        assert_eq!(code, want, "{state}");
    }
}

#[test]
fn used_extension_does_not_affect_other_commands() {
    for state in all_states() {
        for cmd in all_commands() {
            if cmd.as_str() == "extend" {
                continue;
            }
            let fresh = branch_in(state);
            let mut used = fresh.clone();
            used.extension_used = true;
            let a = transition(&fresh, &cmd, &permitted_actor(&cmd), now());
            let b = transition(&used, &cmd, &permitted_actor(&cmd), now());
            assert_eq!(
                a.map(|t| t.new_state),
                b.as_ref().map(|t| t.new_state).map_err(Clone::clone),
                "{state} {cmd:?}"
            );
            if let Ok(t) = b {
                assert!(t.extension_used, "extension_used is never reset");
            }
        }
    }
}

#[test]
fn payloads_are_validated() {
    use workflow::MAX_EXTENSION_DAYS;
    let approver = permitted_actor(&BranchCommand::Resume);
    let cases: Vec<(&str, BranchCommand, &str)> = vec![
        (
            "approving",
            BranchCommand::Reject {
                reason: "  ".into(),
                decided_at: None,
            },
            "empty_reason",
        ),
        (
            "reviewing",
            BranchCommand::RequestSupplement {
                missing: vec![],
                note: "x".into(),
            },
            "empty_material_list",
        ),
        (
            "reviewing",
            BranchCommand::RequestSupplement {
                missing: vec!["a".into(), " ".into()],
                note: String::new(),
            },
            "empty_material_list",
        ),
        (
            "awaiting_supplement",
            BranchCommand::Supplement {
                received: vec![],
                resume_reason: None,
            },
            "empty_material_list",
        ),
        (
            "reviewing",
            BranchCommand::Suspend {
                procedure: SpecialProcedure::Other,
                note: "".into(),
                expected_end: chrono::NaiveDate::from_ymd_opt(2025, 3, 20).expect("date"),
                notice_ref: "特别程序告知书 2025-01".into(),
            },
            "empty_reason",
        ),
        (
            "reviewing",
            BranchCommand::Extend {
                days: 0,
                reason: "需组织专家论证".into(),
                approver_id: 7,
            },
            "invalid_days",
        ),
        (
            "reviewing",
            BranchCommand::Extend {
                days: MAX_EXTENSION_DAYS + 1,
                reason: "需组织专家论证".into(),
                approver_id: 7,
            },
            "invalid_days",
        ),
        (
            "reviewing",
            BranchCommand::Extend {
                days: 5,
                reason: "需组织专家论证".into(),
                approver_id: 0,
            },
            "missing_approver",
        ),
        (
            "reviewing",
            BranchCommand::Extend {
                days: 5,
                reason: " ".into(),
                approver_id: 7,
            },
            "empty_reason",
        ),
    ];
    for (state, cmd, code) in cases {
        let branch = branch_in(state.parse().expect("state"));
        let got = transition(&branch, &cmd, &approver, now()).expect_err("invalid payload");
        assert_eq!(got.code(), code, "{state} {cmd:?}");
        assert!(got.is_invalid_input());
    }
    let system = workflow::Actor::system();
    let blank_cancel = BranchCommand::Cancel {
        reason: String::new(),
    };
    let got = transition(
        &branch_in("reviewing".parse().expect("state")),
        &blank_cancel,
        &system,
        now(),
    );
    assert_eq!(got.expect_err("blank").code(), "empty_reason");

    // Boundaries that are fine.
    let ok: Vec<(&str, BranchCommand)> = vec![
        (
            "reviewing",
            BranchCommand::Extend {
                days: 1,
                reason: "需组织专家论证".into(),
                approver_id: 7,
            },
        ),
        (
            "reviewing",
            BranchCommand::Extend {
                days: MAX_EXTENSION_DAYS,
                reason: "需组织专家论证".into(),
                approver_id: 7,
            },
        ),
        (
            "reviewing",
            BranchCommand::Suspend {
                procedure: SpecialProcedure::Other,
                note: "现场勘验".into(),
                expected_end: chrono::NaiveDate::from_ymd_opt(2025, 3, 20).expect("date"),
                notice_ref: "特别程序告知书 2025-01".into(),
            },
        ),
        (
            "reviewing",
            BranchCommand::Suspend {
                procedure: SpecialProcedure::Testing,
                note: "".into(),
                expected_end: chrono::NaiveDate::from_ymd_opt(2025, 3, 20).expect("date"),
                notice_ref: "特别程序告知书 2025-01".into(),
            },
        ),
        (
            "approving",
            BranchCommand::Approve {
                opinion: "".into(),
                decided_at: None,
            },
        ),
    ];
    for (state, cmd) in ok {
        let branch = branch_in(state.parse().expect("state"));
        assert!(
            transition(&branch, &cmd, &approver, now()).is_ok(),
            "{state} {cmd:?}"
        );
    }
}

#[test]
fn state_is_checked_before_permission_and_payload() {
    // A decided branch answers "not allowed in state" whoever asks and whatever the payload.
    let branch = branch_in(workflow::BranchState::Approved);
    let cmd = BranchCommand::Reject {
        reason: String::new(),
        decided_at: None,
    };
    let clerk = crate::common::actor(workflow::Role::Clerk, None);
    let got = transition(&branch, &cmd, &clerk, now()).expect_err("refused");
    assert_eq!(got.code(), "not_allowed_in_state");
    assert_eq!(got.to_string(), "branch is approved; cannot reject");
}
