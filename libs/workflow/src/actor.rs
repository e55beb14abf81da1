//! Who acts on a case or branch, and the permission rules applied inside the transitions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::parse::ParseError;
use crate::refusal::Refusal;

/// The user id recorded for actions taken by the system itself (join, withdrawal cascade).
pub const SYSTEM_USER_ID: i64 = 0;

/// The roles known to the workflow. Strings match the platform's roles, plus [`Role::Service`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Window clerk (窗口受理人员): accepts (一口受理), records arrived materials, issues (统一发证).
    Clerk,
    /// Department case handler (经办人): first review (一审).
    Reviewer,
    /// Department chief representative (首席代表): approval signature (一核).
    Approver,
    /// Efficiency supervisor (效能监察): reads only.
    Supervisor,
    /// Service assessor (好差评): reads only.
    Assessor,
    /// Organisation department (编办): reads only.
    OrgDept,
    /// System administrator (系统管理员): configuration only, no case powers
    /// (separation of duties: configuration rights do not include approval rights).
    Sysadmin,
    /// Security administrator (安全管理员): roles and lockouts, no case powers.
    Secadmin,
    /// Security auditor (安全审计员): reads the audit trail, no case powers.
    Auditor,
    /// The system itself; the only role allowed to cancel a branch.
    Service,
    /// Leader who approves assessment results (审定): no case powers.
    Leader,
    /// Third-party call centre (第三方回访): no case powers.
    Callcenter,
    /// Hall inspector (督察): records staff conduct; no case powers.
    Inspector,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 13] = [
        Role::Clerk,
        Role::Reviewer,
        Role::Approver,
        Role::Supervisor,
        Role::Assessor,
        Role::OrgDept,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
        Role::Service,
        Role::Leader,
        Role::Callcenter,
        Role::Inspector,
    ];

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Supervisor => "supervisor",
            Role::Assessor => "assessor",
            Role::OrgDept => "org_dept",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
            Role::Service => "service",
            Role::Leader => "leader",
            Role::Callcenter => "callcenter",
            Role::Inspector => "inspector",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError::new("role", s))
    }
}

/// The user performing a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id ([`SYSTEM_USER_ID`] for the system).
    pub user_id: i64,
    /// The user's role.
    pub role: Role,
    /// The department the user works for; required for reviewers and approvers.
    pub department_id: Option<i64>,
}

impl Actor {
    /// A user of a role, optionally attached to a department.
    pub fn new(user_id: i64, role: Role, department_id: Option<i64>) -> Self {
        Self {
            user_id,
            role,
            department_id,
        }
    }

    /// The system actor used for cancellations decided by join or withdrawal.
    pub fn system() -> Self {
        Self::new(SYSTEM_USER_ID, Role::Service, None)
    }
}

/// Who may run a command, once the state allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Reviewer or approver of the branch's department.
    DeptStaff,
    /// Approver (首席代表) of the branch's department.
    DeptApprover,
    /// Any clerk, or reviewer/approver of the branch's department.
    DeptStaffOrClerk,
    /// The system only.
    System,
    /// Clerk, any department (case commands).
    Clerk,
}

impl Permission {
    /// The roles that may act, in the order shown to users.
    pub(crate) fn roles(self) -> &'static [Role] {
        match self {
            Permission::DeptStaff => &[Role::Reviewer, Role::Approver],
            Permission::DeptApprover => &[Role::Approver],
            Permission::DeptStaffOrClerk => &[Role::Clerk, Role::Reviewer, Role::Approver],
            Permission::System => &[Role::Service],
            Permission::Clerk => &[Role::Clerk],
        }
    }

    /// Role first, then department: reviewers and approvers must belong to `department_id`;
    /// clerks and the system act for the whole centre.
    pub(crate) fn check(
        self,
        actor: &Actor,
        department_id: i64,
        command: &'static str,
    ) -> Result<(), Refusal> {
        if !self.roles().contains(&actor.role) {
            return Err(Refusal::WrongRole {
                command,
                required: self.roles(),
                actual: actor.role,
            });
        }
        let department_bound = matches!(actor.role, Role::Reviewer | Role::Approver);
        if department_bound && actor.department_id != Some(department_id) {
            return Err(Refusal::WrongDepartment {
                branch_department: department_id,
                actor_department: actor.department_id,
            });
        }
        Ok(())
    }
}
