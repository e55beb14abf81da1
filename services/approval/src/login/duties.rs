//! 三权分立 (separation of the administrators' duties, GB/T 22239-2019 8.1.4.2 c/d): who may
//! manage which account. Pure rules over roles, tested below; the user routes call them
//! before the store is touched.
//!
//! - The **system administrator** (`sysadmin`, 系统管理员) creates, edits, resets and retires
//!   the accounts of the business roles (clerk, reviewer, approver, …), and configures the
//!   catalogue, departments, calendar and webhooks.
//! - The **security administrator** (`secadmin`, 安全管理员) assigns and changes roles,
//!   manages the administrators' and service accounts, lifts lockouts and resets second
//!   factors.
//! - The **security auditor** (`auditor`, 安全审计员) reads and verifies the audit trail.
//!
//! None of them can do another's work, and none has case powers. Nobody changes their own
//! role or retires themselves (409 `self_lockout`).

use platform::auth::Role;
use platform::ApiError;

/// The article the refusals cite.
const BASIS: &str = "三权分立, GB/T 22239-2019 8.1.4.2";

/// Who manages the account of a user holding `role`: the security administrator for the
/// administrators and service accounts, the system administrator for every business role.
pub fn manager_of(role: Role) -> Role {
    if role.is_administrator() || role == Role::Service {
        Role::Secadmin
    } else {
        Role::Sysadmin
    }
}

fn refuse(message: String) -> ApiError {
    ApiError::Forbidden {
        code: "separation_of_duties",
        message: format!("{message} ({BASIS})"),
    }
}

fn name(role: Role) -> &'static str {
    match role {
        Role::Sysadmin => "the system administrator (sysadmin)",
        Role::Secadmin => "the security administrator (secadmin)",
        _ => "the security auditor (auditor)",
    }
}

/// May `actor` create an account holding `role`?
pub fn may_create(actor: Role, role: Role) -> Result<(), ApiError> {
    let manager = manager_of(role);
    if actor == manager {
        Ok(())
    } else {
        Err(refuse(format!(
            "accounts with role {role} are created by {}; role {actor} may not",
            name(manager)
        )))
    }
}

/// What an update of an account changes, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChange {
    /// The account's role now.
    pub current_role: Role,
    /// The role the update asks for.
    pub new_role: Role,
    /// Anything else changes: name, e-mail, active flag or password, or the department
    /// without the role (a department that changes with the role goes with it).
    pub other_fields: bool,
}

/// May `actor` make `change`? A role change (with the department it places the user in) is
/// the security administrator's alone and changes nothing else in the same request; every other change is the account manager's
/// ([`manager_of`]), who may not change the role.
pub fn may_update(actor: Role, change: AccountChange) -> Result<(), ApiError> {
    let role_changes = change.current_role != change.new_role;
    if role_changes {
        if actor != Role::Secadmin {
            return Err(refuse(format!(
                "roles are assigned by {}; role {actor} may not change role {} to {} (field `role`)",
                name(Role::Secadmin),
                change.current_role,
                change.new_role
            )));
        }
        if change.other_fields {
            return Err(refuse(format!(
                "a role change changes nothing else: send the other fields as they are and let {} change them",
                name(manager_of(change.current_role))
            )));
        }
        return Ok(());
    }
    let manager = manager_of(change.current_role);
    if actor == manager {
        Ok(())
    } else {
        Err(refuse(format!(
            "accounts with role {} are managed by {}; role {actor} may not",
            change.current_role,
            name(manager)
        )))
    }
}

/// May `actor` retire (delete) an account holding `role`?
pub fn may_retire(actor: Role, role: Role) -> Result<(), ApiError> {
    let manager = manager_of(role);
    if actor == manager {
        Ok(())
    } else {
        Err(refuse(format!(
            "accounts with role {role} are retired by {}; role {actor} may not",
            name(manager)
        )))
    }
}

/// May `actor` lift a lockout or reset a second factor? The security administrator only.
pub fn may_secure(actor: Role) -> Result<(), ApiError> {
    if actor == Role::Secadmin {
        Ok(())
    } else if !actor.is_administrator() {
        Err(ApiError::forbidden(format!(
            "role {actor} may not do this; required: secadmin"
        )))
    } else {
        Err(refuse(format!(
            "lockouts and second factors are {}'s; role {actor} may not",
            name(Role::Secadmin)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMINS: [Role; 3] = Role::ADMINISTRATORS;

    fn business() -> impl Iterator<Item = Role> {
        Role::ALL
            .into_iter()
            .filter(|r| !r.is_administrator() && *r != Role::Service)
    }

    #[test]
    fn business_accounts_belong_to_the_sysadmin_and_the_rest_to_the_secadmin() {
        for r in business() {
            assert_eq!(manager_of(r), Role::Sysadmin, "{r}");
        }
        for r in ADMINS.into_iter().chain([Role::Service]) {
            assert_eq!(manager_of(r), Role::Secadmin, "{r}");
        }
    }

    #[test]
    fn only_the_manager_creates_and_retires() {
        for actor in Role::ALL {
            for role in Role::ALL {
                let allowed = actor == manager_of(role);
                assert_eq!(
                    may_create(actor, role).is_ok(),
                    allowed,
                    "{actor} creates {role}"
                );
                assert_eq!(
                    may_retire(actor, role).is_ok(),
                    allowed,
                    "{actor} retires {role}"
                );
            }
        }
        let e = may_create(Role::Sysadmin, Role::Auditor).unwrap_err();
        assert_eq!(e.code(), "separation_of_duties");
        assert!(e.to_string().contains("8.1.4.2"), "{e}");
    }

    #[test]
    fn roles_change_only_by_the_secadmin_and_alone() {
        let change = |current_role, new_role, other_fields| AccountChange {
            current_role,
            new_role,
            other_fields,
        };
        for actor in Role::ALL {
            let promote = change(Role::Reviewer, Role::Approver, false);
            assert_eq!(
                may_update(actor, promote).is_ok(),
                actor == Role::Secadmin,
                "{actor} promotes"
            );
            // A role change with anything else is refused, even to the secadmin.
            assert!(may_update(actor, change(Role::Reviewer, Role::Approver, true)).is_err());
        }
        // The sysadmin edits a clerk, not an auditor; the secadmin the other way round.
        assert!(may_update(Role::Sysadmin, change(Role::Clerk, Role::Clerk, true)).is_ok());
        assert!(may_update(Role::Secadmin, change(Role::Clerk, Role::Clerk, true)).is_err());
        assert!(may_update(Role::Sysadmin, change(Role::Auditor, Role::Auditor, true)).is_err());
        assert!(may_update(Role::Secadmin, change(Role::Auditor, Role::Auditor, true)).is_ok());
        assert!(may_update(Role::Auditor, change(Role::Clerk, Role::Clerk, true)).is_err());
    }

    #[test]
    fn only_the_secadmin_lifts_lockouts() {
        for actor in Role::ALL {
            assert_eq!(
                may_secure(actor).is_ok(),
                actor == Role::Secadmin,
                "{actor}"
            );
        }
    }
}
