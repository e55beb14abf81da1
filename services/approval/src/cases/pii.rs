//! 个人信息保护 (protection of personal information): who sees an applicant's ID number
//! (or credit code) and phone number in full, and the mask everyone else sees. Pure rules,
//! tested below; the case store applies them to every answer.
//!
//! The grounds: 《个人信息保护法》第五十一条 asks for de-identification (去标识化) and for
//! operating permissions fixed per role (合理确定个人信息处理的操作权限); GB/T 22239-2019
//! 8.1.4.11 b forbids unauthorised access to users' personal information.
//!
//! - **In full**, only on the case page (`GET /v1/cases/{id}`) and only for the window clerk
//!   (综合窗口, who took the application) and the staff of the case's own departments (a
//!   branch's department or the lead department, 牵头部门). Each such read is audited
//!   (`read_pii`).
//! - **Masked** everywhere else: case lists, the answers to commands (so the answers stored for
//!   `Idempotency-Key` replays keep no full value), and every other role (supervisor,
//!   assessor, inspector, the administrators, service accounts, …).
//!
//! The mask (the product's own default; the sources fix none): an ID number keeps its first 6
//! characters (the region) and its last 4, a phone number its first 3 and its last 4; the rest
//! becomes `*`, one per character. Shorter values keep less (see [`mask_keeping`]).

use platform::auth::{AuthUser, Role};

use super::model::Applicant;

/// How much of the applicant's data an answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// The values as given at the window (audited as `read_pii`).
    Full,
    /// The masks of [`mask_id_number`] and [`mask_phone`].
    Masked,
}

/// The disclosure of a case page for `actor`, given the departments of the case's branches and
/// its lead department.
pub fn case_page_disclosure(
    actor: &AuthUser,
    branch_departments: &[i32],
    lead_department: Option<i32>,
) -> Disclosure {
    match actor.role {
        Role::Clerk => Disclosure::Full,
        Role::Reviewer | Role::Approver => match actor.department_id {
            Some(d) if branch_departments.contains(&d) || lead_department == Some(d) => {
                Disclosure::Full
            }
            _ => Disclosure::Masked,
        },
        _ => Disclosure::Masked,
    }
}

/// Keep the first `head` and last `tail` characters and star the rest; a value too short to
/// keep both with at least as many stars as kept characters keeps proportionally less (a
/// quarter at each end, rounded down), so a short value is never shown whole.
pub fn mask_keeping(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let (head, tail) = if head + tail < n && n - head - tail >= (head + tail) / 2 {
        (head, tail)
    } else {
        (n / 4, n / 4)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

/// `110105********002X`: the region (first 6) and the last 4 characters of an 18-character ID
/// number or unified social credit code.
pub fn mask_id_number(value: &str) -> String {
    mask_keeping(value, 6, 4)
}

/// `138****1234`: the first 3 and the last 4 characters of a phone number.
pub fn mask_phone(value: &str) -> String {
    mask_keeping(value, 3, 4)
}

/// The applicant as `disclosure` allows. The name and the e-mail address stay: the name is on
/// every document the window prints, and notices go to the address.
pub fn disclose(applicant: Applicant, disclosure: Disclosure) -> Applicant {
    match disclosure {
        Disclosure::Full => applicant,
        Disclosure::Masked => Applicant {
            id_number: mask_id_number(&applicant.id_number),
            phone: applicant.phone.as_deref().map(mask_phone),
            ..applicant
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::model::ApplicantKind;

    fn who(role: Role, department_id: Option<i32>) -> AuthUser {
        AuthUser {
            id: 1,
            name: "x".into(),
            role,
            department_id,
        }
    }

    #[test]
    fn the_masks_keep_the_region_and_the_last_digits() {
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id_number("91150100MA0N1234X5"), "911501********34X5");
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("0471-6961234"), "047*****1234");
    }

    #[test]
    fn a_short_value_is_never_shown_whole() {
        for v in ["", "1", "12", "1234", "1234567", "12345678"] {
            let m = mask_phone(v);
            assert_eq!(m.chars().count(), v.chars().count(), "{v}");
            if !v.is_empty() {
                assert!(m.contains('*'), "{v} -> {m}");
            }
        }
        assert_eq!(mask_phone("1234567"), "1*****7");
        assert_eq!(mask_id_number("ABCDEFGH"), "AB****GH");
    }

    #[test]
    fn only_the_clerk_and_the_case_s_departments_see_it_in_full() {
        let branches = [3, 4];
        let lead = Some(9);
        assert_eq!(
            case_page_disclosure(&who(Role::Clerk, None), &branches, lead),
            Disclosure::Full
        );
        for role in [Role::Reviewer, Role::Approver] {
            for (dept, want) in [
                (Some(3), Disclosure::Full),
                (Some(4), Disclosure::Full),
                (Some(9), Disclosure::Full),
                (Some(5), Disclosure::Masked),
                (None, Disclosure::Masked),
            ] {
                assert_eq!(
                    case_page_disclosure(&who(role, dept), &branches, lead),
                    want,
                    "{role} {dept:?}"
                );
            }
        }
        for role in Role::ALL
            .into_iter()
            .filter(|r| ![Role::Clerk, Role::Reviewer, Role::Approver].contains(r))
        {
            assert_eq!(
                case_page_disclosure(&who(role, Some(3)), &branches, lead),
                Disclosure::Masked,
                "{role}"
            );
        }
    }

    #[test]
    fn disclosing_masked_keeps_the_name_and_the_address() {
        let a = Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: Some("13812341234".into()),
            email: Some("z@example.cn".into()),
        };
        let m = disclose(a.clone(), Disclosure::Masked);
        assert_eq!(
            (m.name.as_str(), m.email.as_deref()),
            ("张三", Some("z@example.cn"))
        );
        assert_eq!(m.id_number, "110105********002X");
        assert_eq!(m.phone.as_deref(), Some("138****1234"));
        let f = disclose(a, Disclosure::Full);
        assert_eq!(f.id_number, "11010519491231002X");
    }
}
