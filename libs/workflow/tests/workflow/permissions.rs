//! Permission matrix: every role × command, at the branch's own department, another one, none.

use workflow::{available_commands, transition, Role};

use crate::common::{actor, all_commands, all_states, branch_in, command, now, DEPT, OTHER_DEPT};

/// Per role, in `Role::ALL` order (clerk, reviewer, approver, supervisor, assessor, org_dept,
/// admin, service, leader, callcenter, inspector): `Y` allowed, `R` wrong_role, `D` wrong_department.
/// Columns: actor of the branch's department, of another department, of no department.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str, &str, &str)] = &[
    // command               at state                          own         other       none
    ("start_review",       "received",                         "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("review",             "reviewing",                        "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("approve",            "approving",                        "RRYRRRRRRRR", "RRDRRRRRRRR", "RRDRRRRRRRR"),
    ("reject",             "approving",                        "RRYRRRRRRRR", "RRDRRRRRRRR", "RRDRRRRRRRR"),
    ("request_supplement", "reviewing",                        "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("request_supplement", "approving",                        "RRYRRRRRRRR", "RRDRRRRRRRR", "RRDRRRRRRRR"),
    ("supplement",         "awaiting_supplement",              "YYYRRRRRRRR", "YDDRRRRRRRR", "YDDRRRRRRRR"),
    ("suspend",            "reviewing",                        "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("suspend",            "approving",                        "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("resume",             "suspended:reviewing:hearing",      "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("resume",             "suspended:approving:testing",      "RYYRRRRRRRR", "RDDRRRRRRRR", "RDDRRRRRRRR"),
    ("extend",             "reviewing",                        "RRYRRRRRRRR", "RRDRRRRRRRR", "RRDRRRRRRRR"),
    ("extend",             "approving",                        "RRYRRRRRRRR", "RRDRRRRRRRR", "RRDRRRRRRRR"),
    ("cancel",             "reviewing",                        "RRRRRRRYRRR", "RRRRRRRYRRR", "RRRRRRRYRRR"),
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
fn admin_never_decides_on_a_branch() {
    for state in all_states() {
        for cmd in all_commands() {
            let admin = actor(Role::Admin, Some(DEPT));
            let got = transition(&branch_in(state), &cmd, &admin, now());
            assert!(got.is_err(), "admin ran {} at {state}", cmd.as_str());
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
