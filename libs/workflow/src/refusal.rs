//! Why a command was refused: typed, with a human message and a stable code for the HTTP layer.

use crate::actor::Role;

/// A command was refused. Nothing changed; the caller reports [`Refusal::code`] and the message.
///
/// Checks run in a fixed order, so one input always yields the same refusal:
/// state (including [`Refusal::ExtensionAlreadyUsed`]) → role → department → payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The branch's state does not accept the command.
    #[error("branch is {}; cannot {}", human(.state), human(.command))]
    NotAllowedInState {
        /// Branch state name, see `BranchState::as_str`.
        state: &'static str,
        /// Command name, see `BranchCommand::as_str`.
        command: &'static str,
    },
    /// The actor's role may not run the command.
    #[error("role {actual} cannot {}; requires {}", human(.command), roles(.required))]
    WrongRole {
        /// Command name.
        command: &'static str,
        /// Roles that may run it.
        required: &'static [Role],
        /// The actor's role.
        actual: Role,
    },
    /// The actor's role fits but the actor belongs to another department (or to none).
    #[error("branch belongs to department {branch_department}; actor belongs to {}", dept(.actor_department))]
    WrongDepartment {
        /// The branch's department.
        branch_department: i64,
        /// The actor's department.
        actor_department: Option<i64>,
    },
    /// The single extension (延期) of the branch was already granted.
    #[error("the branch's one extension has already been used")]
    ExtensionAlreadyUsed,
    /// The case is closed (issued, rejected or withdrawn).
    #[error("case is {}; cannot {}", human(.state), human(.command))]
    CaseClosed {
        /// Case state name, see `CaseState::as_str`.
        state: &'static str,
        /// Command name, see `CaseCommand::as_str`.
        command: &'static str,
    },
    /// The case cannot be issued before it is ready for issuance.
    #[error("case is {}; cannot issue before every item is approved", human(.state))]
    CaseNotReady {
        /// Case state name.
        state: &'static str,
    },
    /// A reason (or other required free text) is empty or blank.
    #[error("{field} must not be empty")]
    EmptyReason {
        /// Payload field name.
        field: &'static str,
    },
    /// A material list is empty or holds a blank entry.
    #[error("{field} must list at least one material, none blank")]
    EmptyMaterialList {
        /// Payload field name.
        field: &'static str,
    },
    /// An extension must name the 负责人 who approved it.
    #[error("approver_id must name the department's 负责人 who approved the extension (行政许可法 第四十二条: 经本行政机关负责人批准)")]
    MissingApprover,
    /// An extension is granted before the limit has passed, not after (行政许可法 第四十二条).
    #[error("the time limit passed at {due_at}; an extension must be granted before it runs out (行政许可法 第四十二条)")]
    ExtensionAfterExpiry {
        /// The due moment that passed.
        due_at: chrono::DateTime<chrono::Utc>,
    },
    /// A supplied material was not requested, or was already supplied (补正 covers only what
    /// the request listed).
    #[error("received[{index}]: material `{code}` is not outstanding on this branch; outstanding: {}", list(.outstanding))]
    MaterialNotRequested {
        /// Position in `received`.
        index: usize,
        /// The code sent.
        code: String,
        /// What the branch still waits for.
        outstanding: Vec<String>,
    },
    /// Resuming with materials still outstanding is the department's decision.
    #[error("resume_reason: only the department's reviewer or approver may resume review with materials outstanding (role {actual})")]
    WaiverNotAllowed {
        /// The actor's role.
        actual: Role,
    },
    /// The branch was already sent back for supplement once: the request must list every
    /// missing material at once (一次性告知, 行政许可法 第三十二条); a second one needs a
    /// supervisor's allowance.
    #[error("the branch was already sent back for supplement {count} time(s); 行政许可法 第三十二条 requires every missing material to be listed at once (一次性告知): a second request needs a supervisor's allowance")]
    SupplementAlreadyRequested {
        /// Requests made so far.
        count: u32,
    },
    /// A suspension's expected end date lies in the past.
    #[error("expected_end {expected_end} is before today ({today}); a special procedure (行政许可法 第四十五条) names when it is expected to end")]
    ExpectedEndInPast {
        /// The date sent.
        expected_end: chrono::NaiveDate,
        /// Today, Asia/Shanghai.
        today: chrono::NaiveDate,
    },
    /// Extension days out of range.
    #[error("extension of {days} working days is invalid; allowed 1 to {max} (行政许可法 第四十二条: 十日, 统一办理/联合办理/集中办理 十五日)")]
    InvalidDays {
        /// Requested days.
        days: u32,
        /// Maximum accepted.
        max: u32,
    },
}

impl Refusal {
    /// Every code, for documentation and exhaustive mapping in the HTTP layer.
    pub const CODES: [&'static str; 15] = [
        "not_allowed_in_state",
        "wrong_role",
        "wrong_department",
        "extension_already_used",
        "case_closed",
        "case_not_ready",
        "empty_reason",
        "empty_material_list",
        "missing_approver",
        "invalid_days",
        "material_not_requested",
        "waiver_not_allowed",
        "supplement_already_requested",
        "extension_after_expiry",
        "expected_end_in_past",
    ];

    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowedInState { .. } => "not_allowed_in_state",
            Refusal::WrongRole { .. } => "wrong_role",
            Refusal::WrongDepartment { .. } => "wrong_department",
            Refusal::ExtensionAlreadyUsed => "extension_already_used",
            Refusal::CaseClosed { .. } => "case_closed",
            Refusal::CaseNotReady { .. } => "case_not_ready",
            Refusal::EmptyReason { .. } => "empty_reason",
            Refusal::EmptyMaterialList { .. } => "empty_material_list",
            Refusal::MissingApprover => "missing_approver",
            Refusal::InvalidDays { .. } => "invalid_days",
            Refusal::MaterialNotRequested { .. } => "material_not_requested",
            Refusal::WaiverNotAllowed { .. } => "waiver_not_allowed",
            Refusal::SupplementAlreadyRequested { .. } => "supplement_already_requested",
            Refusal::ExtensionAfterExpiry { .. } => "extension_after_expiry",
            Refusal::ExpectedEndInPast { .. } => "expected_end_in_past",
        }
    }

    /// The payload field to blame (a JSON path into the command body), where there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            Refusal::EmptyReason { field } | Refusal::EmptyMaterialList { field } => {
                Some((*field).to_owned())
            }
            Refusal::MissingApprover => Some("approver_id".to_owned()),
            Refusal::InvalidDays { .. } => Some("days".to_owned()),
            Refusal::MaterialNotRequested { index, .. } => Some(format!("received[{index}]")),
            Refusal::WaiverNotAllowed { .. } => Some("resume_reason".to_owned()),
            Refusal::ExpectedEndInPast { .. } => Some("expected_end".to_owned()),
            _ => None,
        }
    }

    /// True for refusals about who acts (suggested HTTP 403); the others are conflicts with
    /// the current state (409) or invalid input (422).
    pub fn is_permission(&self) -> bool {
        matches!(
            self,
            Refusal::WrongRole { .. }
                | Refusal::WrongDepartment { .. }
                | Refusal::WaiverNotAllowed { .. }
        )
    }

    /// True for refusals about the payload (suggested HTTP 422).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Refusal::EmptyReason { .. }
                | Refusal::EmptyMaterialList { .. }
                | Refusal::MissingApprover
                | Refusal::InvalidDays { .. }
                | Refusal::MaterialNotRequested { .. }
                | Refusal::ExpectedEndInPast { .. }
        )
    }
}

fn human(name: &str) -> String {
    name.replace('_', " ")
}

fn roles(required: &[Role]) -> String {
    let names: Vec<&str> = required.iter().map(|r| r.as_str()).collect();
    names.join(" or ")
}

fn list(codes: &[String]) -> String {
    if codes.is_empty() {
        "nothing".to_owned()
    } else {
        codes.join(", ")
    }
}

fn dept(d: &Option<i64>) -> String {
    match d {
        Some(id) => format!("department {id}"),
        None => "no department".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_state_and_command() {
        let r = Refusal::NotAllowedInState {
            state: "approved",
            command: "request_supplement",
        };
        assert_eq!(
            r.to_string(),
            "branch is approved; cannot request supplement"
        );
        assert_eq!(r.code(), "not_allowed_in_state");
    }

    #[test]
    fn wrong_role_lists_required_roles() {
        let r = Refusal::WrongRole {
            command: "approve",
            required: &[Role::Approver],
            actual: Role::Reviewer,
        };
        assert_eq!(
            r.to_string(),
            "role reviewer cannot approve; requires approver"
        );
        assert!(r.is_permission());
    }

    #[test]
    fn wrong_department_message() {
        let r = Refusal::WrongDepartment {
            branch_department: 3,
            actor_department: None,
        };
        assert_eq!(
            r.to_string(),
            "branch belongs to department 3; actor belongs to no department"
        );
    }
}
