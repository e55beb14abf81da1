//! The supervising office (审管办, 审批管理办公室) and the items' time limits: only the office
//! sets or changes an item's statutory and promised limits, their unit and what a supplement
//! does to the clock — never the department whose limit it is, and never the system
//! administrator (a configuration role, 三权分立). Which department is the office is the
//! setting `SUPERVISING_OFFICE_CODE` (a department code; unset by default, when no one may
//! change a limit once the item exists).
//!
//! Creating an item is registering it in the catalogue from the published list (事项清单):
//! the system administrator and the office may; a department's approver may not (their item
//! would come with limits they chose).

use platform::auth::{AuthUser, Role};
use platform::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::model::{Item, ItemInput};
use crate::entities::department;

/// The limits of an item that only the supervising office sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeLimits {
    pub statutory_limit_days: i64,
    pub promised_limit_days: i64,
    pub limit_unit: String,
    pub supplement_policy: String,
}

impl TimeLimits {
    pub fn of_input(i: &ItemInput) -> Self {
        TimeLimits {
            statutory_limit_days: i.statutory_limit_days,
            promised_limit_days: i.promised_limit_days,
            limit_unit: i.limit_unit.as_str().to_string(),
            supplement_policy: i.supplement_policy.as_str().to_string(),
        }
    }

    pub fn of_item(i: &Item) -> Self {
        TimeLimits {
            statutory_limit_days: i64::from(i.statutory_limit_days),
            promised_limit_days: i64::from(i.promised_limit_days),
            limit_unit: i.limit_unit.as_str().to_string(),
            supplement_policy: i.supplement_policy.as_str().to_string(),
        }
    }

    /// The first field that differs, for the refusal.
    fn first_difference(&self, other: &TimeLimits) -> Option<&'static str> {
        if self.statutory_limit_days != other.statutory_limit_days {
            Some("statutory_limit_days")
        } else if self.promised_limit_days != other.promised_limit_days {
            Some("promised_limit_days")
        } else if self.limit_unit != other.limit_unit {
            Some("limit_unit")
        } else if self.supplement_policy != other.supplement_policy {
            Some("supplement_policy")
        } else {
            None
        }
    }
}

/// Who the supervising office is, resolved for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeLimitGuard {
    /// The configured code (`SUPERVISING_OFFICE_CODE`), for the messages.
    pub office_code: Option<String>,
    /// The office's department id, when the code names a live department.
    pub office_department_id: Option<i32>,
}

impl TimeLimitGuard {
    /// Resolve `code` to the office's department (a code naming no live department
    /// resolves to none: nobody is the office).
    pub async fn load<C: ConnectionTrait>(c: &C, code: Option<&str>) -> Result<Self, ApiError> {
        let Some(code) = code else {
            return Ok(TimeLimitGuard::default());
        };
        let id = department::Entity::find()
            .filter(department::Column::Code.eq(code))
            .filter(department::Column::DeletedAt.is_null())
            .one(c)
            .await?
            .map(|d| d.id);
        Ok(TimeLimitGuard {
            office_code: Some(code.to_string()),
            office_department_id: id,
        })
    }

    /// The office acts through its chief representative (approver).
    pub fn is_office(&self, actor: &AuthUser) -> bool {
        actor.role == Role::Approver
            && self.office_department_id.is_some()
            && actor.department_id == self.office_department_id
    }

    fn refuse(&self, field: &str, what: &str) -> ApiError {
        let office = match &self.office_code {
            Some(c) => format!("the supervising office (审管办, department `{c}`)"),
            None => "the supervising office (审管办; none is configured: SUPERVISING_OFFICE_CODE)"
                .to_string(),
        };
        ApiError::Forbidden {
            code: "time_limit_reserved",
            message: format!(
                "{what}: an item's time limits (field `{field}`) are set by {office} through its approver, not by the item's department or the system administrator"
            ),
        }
    }

    /// May `actor` give an item the limits `after` (`before`: the item's limits now, none
    /// when creating)?
    pub fn check(
        &self,
        actor: &AuthUser,
        before: Option<&TimeLimits>,
        after: &TimeLimits,
    ) -> Result<(), ApiError> {
        if self.is_office(actor) {
            return Ok(());
        }
        match before {
            None if actor.role == Role::Sysadmin => Ok(()),
            None => Err(self.refuse("statutory_limit_days", "a new item comes with its limits")),
            Some(b) => match b.first_difference(after) {
                None => Ok(()),
                Some(field) => Err(self.refuse(field, "this changes a limit")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICE: i32 = 9;
    const DEPT: i32 = 3;

    fn who(role: Role, department_id: Option<i32>) -> AuthUser {
        AuthUser {
            id: 1,
            name: "x".into(),
            role,
            department_id,
        }
    }

    fn limits(statutory: i64) -> TimeLimits {
        TimeLimits {
            statutory_limit_days: statutory,
            promised_limit_days: 5,
            limit_unit: "working_days".into(),
            supplement_policy: "pause".into(),
        }
    }

    fn guard() -> TimeLimitGuard {
        TimeLimitGuard {
            office_code: Some("SGB".into()),
            office_department_id: Some(OFFICE),
        }
    }

    #[test]
    fn only_the_office_changes_a_limit() {
        let (old, new) = (limits(20), limits(15));
        let office = who(Role::Approver, Some(OFFICE));
        assert!(guard().check(&office, Some(&old), &new).is_ok());
        for actor in [
            who(Role::Approver, Some(DEPT)),
            who(Role::Sysadmin, None),
            who(Role::Reviewer, Some(OFFICE)),
            who(Role::Supervisor, Some(OFFICE)),
        ] {
            let e = guard().check(&actor, Some(&old), &new).unwrap_err();
            assert_eq!(e.code(), "time_limit_reserved", "{actor:?}");
            assert!(e.to_string().contains("statutory_limit_days"), "{e}");
        }
        // Everything else may change as before.
        let dept = who(Role::Approver, Some(DEPT));
        assert!(guard().check(&dept, Some(&old), &old).is_ok());
        let mut policy = old.clone();
        policy.supplement_policy = "restart".into();
        let e = guard().check(&dept, Some(&old), &policy).unwrap_err();
        assert!(e.to_string().contains("supplement_policy"), "{e}");
    }

    #[test]
    fn the_sysadmin_and_the_office_register_new_items() {
        let l = limits(20);
        assert!(guard().check(&who(Role::Sysadmin, None), None, &l).is_ok());
        assert!(guard()
            .check(&who(Role::Approver, Some(OFFICE)), None, &l)
            .is_ok());
        assert!(guard()
            .check(&who(Role::Approver, Some(DEPT)), None, &l)
            .is_err());
    }

    #[test]
    fn without_an_office_nobody_changes_a_limit() {
        let none = TimeLimitGuard::default();
        let e = none
            .check(
                &who(Role::Approver, Some(OFFICE)),
                Some(&limits(20)),
                &limits(15),
            )
            .unwrap_err();
        assert!(e.to_string().contains("SUPERVISING_OFFICE_CODE"), "{e}");
    }
}
