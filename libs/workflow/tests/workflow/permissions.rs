//! Permission matrix: every role × command, at the branch's own department, another one, none.

use workflow::{available_commands, transition, Role};

use crate::common::{actor, all_commands, all_states, branch_in, command, now, DEPT, OTHER_DEPT};

/// Per role, in `Role::ALL` order (clerk, reviewer, approver, supervisor, assessor, org_dept,
/// sysadmin, secadmin, auditor, service, leader, callcenter, inspector): `Y` allowed, `R` wrong_role, `D` wrong_department.
/// Columns: actor of the branch's department, of another department, of no department.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str, &str, &str)] = &[
    // command               at state                          own             other           none
    ("start_review",       "received",                         "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("review",             "reviewing",                        "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("approve",            "approving",                        "RRYRRRRRRRRRR", "RRDRRRRRRRRRR", "RRDRRRRRRRRRR"),
    ("reject",             "approving",                        "RRYRRRRRRRRRR", "RRDRRRRRRRRRR", "RRDRRRRRRRRRR"),
    ("request_supplement", "reviewing",                        "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("request_supplement", "approving",                        "RRYRRRRRRRRRR", "RRDRRRRRRRRRR", "RRDRRRRRRRRRR"),
    ("supplement",         "awaiting_supplement",              "YYYRRRRRRRRRR", "YDDRRRRRRRRRR", "YDDRRRRRRRRRR"),
    ("suspend",            "reviewing",                        "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("suspend",            "approving",                        "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("resume",             "suspended:reviewing:hearing",      "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("resume",             "suspended:approving:testing",      "RYYRRRRRRRRRR", "RDDRRRRRRRRRR", "RDDRRRRRRRRRR"),
    ("extend",             "reviewing",                        "RRYRRRRRRRRRR", "RRDRRRRRRRRRR", "RRDRRRRRRRRRR"),
    ("extend",             "approving",                        "RRYRRRRRRRRRR", "RRDRRRRRRRRRR", "RRDRRRRRRRRRR"),
    ("cancel",             "reviewing",                        "RRRRRRRRRYRRR", "RRRRRRRRRYRRR", "RRRRRRRRRYRRR"),
];

#[test]
fn every_role_and_department_matches_the_matrix() {
    // Every command appears in the matrix.
    for cmd in all_commands() {
        assert!(
            MATRIX.iter().any(|row| row.0 == cmd.as_str()),
            "{} missing from the matrix",
            cmd.as_str()
        );
    }
    for (name, state, own, other, none) in MATRIX {
        let branch = branch_in(state.parse().expect("state"));
        let cmd = command(name);
        for (column, department, letters) in [
            ("own", Some(DEPT), own),
            ("other", Some(OTHER_DEPT), other),
            ("none", None, none),
        ] {
            assert_eq!(letters.len(), Role::ALL.len());
            for (role, letter) in Role::ALL.into_iter().zip(letters.chars()) {
                let got = transition(&branch, &cmd, &actor(role, department), now());
                let label = format!("{name} at {state} by {role} ({column} department)");
                match (letter, got) {
                    ('Y', Ok(_)) => {}
                    ('R', Err(r)) => {
                        assert_eq!(r.code(), "wrong_role", "{label}: {r}");
                        assert!(r.is_permission());
                        assert!(r.to_string().contains(role.as_str()), "{label}: {r}");
                    }
                    ('D', Err(r)) => {
                        assert_eq!(r.code(), "wrong_department", "{label}: {r}");
                        assert!(r.is_permission());
                    }
                    (want, got) => panic!("{label}: expected {want}, got {got:?}"),
                }
            }
        }
    }
}

#[test]
fn no_administrator_ever_acts_on_a_branch() {
    for role in [Role::Sysadmin, Role::Secadmin, Role::Auditor] {
        for state in all_states() {
            for cmd in all_commands() {
                let admin = actor(role, Some(DEPT));
                let got = transition(&branch_in(state), &cmd, &admin, now());
                assert!(got.is_err(), "{role} ran {} at {state}", cmd.as_str());
            }
        }
    }
}

#[test]
fn available_commands_agree_with_transition() {
    for state in all_states() {
        let branch = branch_in(state);
        for role in Role::ALL {
            for department in [Some(DEPT), Some(OTHER_DEPT), None] {
                let who = actor(role, department);
                let expected: Vec<&str> = all_commands()
                    .iter()
                    .filter(|c| transition(&branch, c, &who, now()).is_ok())
                    .map(|c| c.as_str())
                    .collect();
                assert_eq!(
                    available_commands(&branch, &who),
                    expected,
                    "{state} {role} {department:?}"
                );
            }
        }
    }
    let reviewer = actor(Role::Reviewer, Some(DEPT));
    assert_eq!(
        available_commands(&branch_in("reviewing".parse().expect("state")), &reviewer),
        ["review", "request_supplement", "suspend"]
    );
}
