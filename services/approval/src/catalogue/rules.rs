//! Pure validation rules of the catalogue. Each returns every broken rule at once, each naming
//! its field; references to other records (departments, items) are checked by the store.

use std::collections::HashSet;

use platform::auth::Role;
use platform::FieldError;

use super::model::{
    BundleInput, DepartmentInput, Item, ItemInput, ItemKind, StepRole, UserInput, UserUpdate,
};

/// The longest limit the catalogue accepts, in days: anything longer is a typo.
pub const MAX_LIMIT_DAYS: i64 = 365;
pub const MIN_PASSWORD_LEN: usize = 10;
/// The largest fee the catalogue accepts, in fen (100 million yuan).
pub const MAX_FEE_CENTS: i64 = 10_000_000_000;

fn code(field: &str, v: &str, errs: &mut Vec<FieldError>) {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        errs.push(FieldError::new(
            field,
            "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
}

/// A required text: not blank, at most `max` characters.
pub(crate) fn text(field: &str, v: &str, max: usize, errs: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        errs.push(FieldError::new(field, "must not be empty"));
    } else if v.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

fn optional_text(field: &str, v: &str, max: usize, errs: &mut Vec<FieldError>) {
    if v.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

/// A pragmatic address check: one `@`, a dotted domain, no spaces, ≤ 254 bytes.
pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    v.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace)
}

fn email(field: &str, v: &Option<String>, errs: &mut Vec<FieldError>) {
    if let Some(v) = v {
        if !is_email(v) {
            errs.push(FieldError::new(
                field,
                format!("`{v}` is not an e-mail address"),
            ));
        }
    }
}

fn limit(field: &str, v: i64, errs: &mut Vec<FieldError>) {
    if v < 0 {
        errs.push(FieldError::new(field, "must not be negative"));
    } else if v > MAX_LIMIT_DAYS {
        errs.push(FieldError::new(
            field,
            format!("must be at most {MAX_LIMIT_DAYS} days"),
        ));
    }
}

pub fn department(d: &DepartmentInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    code("code", &d.code, &mut errs);
    text("name", &d.name, 200, &mut errs);
    email("head_email", &d.head_email, &mut errs);
    email("window_email", &d.window_email, &mut errs);
    errs
}

pub fn item(i: &ItemInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    code("code", &i.code, &mut errs);
    text("name", &i.name, 200, &mut errs);
    text("legal_basis", &i.legal_basis, 4000, &mut errs);
    text("location", &i.location, 200, &mut errs);
    text("supervision_method", &i.supervision_method, 2000, &mut errs);
    optional_text("fee_standard", &i.fee_standard, 2000, &mut errs);
    optional_text("fee_basis", &i.fee_basis, 2000, &mut errs);
    text("completion_method", &i.completion_method, 200, &mut errs);
    limit("statutory_limit_days", i.statutory_limit_days, &mut errs);
    limit("promised_limit_days", i.promised_limit_days, &mut errs);
    if (0..=MAX_LIMIT_DAYS).contains(&i.promised_limit_days)
        && i.promised_limit_days > i.statutory_limit_days
        && i.statutory_limit_days >= 0
    {
        errs.push(FieldError::new(
            "promised_limit_days",
            format!(
                "the promised limit ({}) cannot exceed the statutory limit ({})",
                i.promised_limit_days, i.statutory_limit_days
            ),
        ));
    }
    match i.kind {
        ItemKind::Instant if i.promised_limit_days != 0 => errs.push(FieldError::new(
            "promised_limit_days",
            "an instant item (即办件) is done on the spot: its promised limit must be 0",
        )),
        ItemKind::Promised if i.promised_limit_days == 0 => errs.push(FieldError::new(
            "promised_limit_days",
            "a promised item (承诺件) needs a promised limit of at least 1 day",
        )),
        _ => {}
    }
    if i.fee_amount_cents < 0 {
        errs.push(FieldError::new("fee_amount_cents", "must not be negative"));
    } else if i.fee_amount_cents > MAX_FEE_CENTS {
        errs.push(FieldError::new(
            "fee_amount_cents",
            "is not a plausible fee",
        ));
    }
    if i.materials.len() > 200 {
        errs.push(FieldError::new("materials", "at most 200 materials"));
    }
    let mut seen = HashSet::new();
    for (n, m) in i.materials.iter().enumerate() {
        code(&format!("materials[{n}].code"), &m.code, &mut errs);
        text(&format!("materials[{n}].name"), &m.name, 200, &mut errs);
        if !seen.insert(m.code.as_str()) {
            errs.push(FieldError::new(
                format!("materials[{n}].code"),
                format!("material code `{}` appears twice", m.code),
            ));
        }
        if m.tolerance_allowed && !m.required {
            errs.push(FieldError::new(
                format!("materials[{n}].tolerance_allowed"),
                "容缺 applies to required materials only",
            ));
        }
    }
    if i.flow_steps.is_empty() {
        errs.push(FieldError::new("flow_steps", "needs at least one step"));
    } else if i.flow_steps.last().map(|s| s.role) != Some(StepRole::Approver) {
        errs.push(FieldError::new(
            "flow_steps",
            "the last step must be the approver's (一核): the decision is signed by the chief representative",
        ));
    }
    for (n, s) in i.flow_steps.iter().enumerate() {
        text(&format!("flow_steps[{n}].name"), &s.name, 100, &mut errs);
    }
    errs
}

pub fn bundle(b: &BundleInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    code("code", &b.code, &mut errs);
    text("name", &b.name, 200, &mut errs);
    optional_text("description", &b.description, 4000, &mut errs);
    limit("promised_limit_days", b.promised_limit_days, &mut errs);
    if b.promised_limit_days == 0 {
        errs.push(FieldError::new(
            "promised_limit_days",
            "a bundle needs at least 1 day",
        ));
    }
    if b.stages.is_empty() {
        errs.push(FieldError::new(
            "stages",
            "needs at least one stage with one item",
        ));
    }
    let mut seen = HashSet::new();
    for (s, stage) in b.stages.iter().enumerate() {
        if stage.is_empty() {
            errs.push(FieldError::new(
                format!("stages[{s}]"),
                "a stage needs at least one item",
            ));
        }
        for (n, c) in stage.iter().enumerate() {
            if !seen.insert(c.as_str()) {
                errs.push(FieldError::new(
                    format!("stages[{s}][{n}]"),
                    format!("item `{c}` appears twice in the bundle"),
                ));
            }
        }
    }
    errs
}

fn username(v: &str, errs: &mut Vec<FieldError>) {
    code("username", v, errs);
}

fn password(field: &str, v: &str, errs: &mut Vec<FieldError>) {
    if v.chars().count() < MIN_PASSWORD_LEN {
        errs.push(FieldError::new(
            field,
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    } else if v.len() > 256 {
        errs.push(FieldError::new(field, "must be at most 256 bytes"));
    }
}

fn role_department(role: Role, department_id: Option<i32>, errs: &mut Vec<FieldError>) {
    if role.is_department_scoped() && department_id.is_none() {
        errs.push(FieldError::new(
            "department_id",
            format!("a {role} acts for one department: department_id is required"),
        ));
    }
}

pub fn user(u: &UserInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    username(&u.username, &mut errs);
    text("display_name", &u.display_name, 200, &mut errs);
    email("email", &u.email, &mut errs);
    password("password", &u.password, &mut errs);
    role_department(u.role, u.department_id, &mut errs);
    errs
}

pub fn user_update(u: &UserUpdate) -> Vec<FieldError> {
    let mut errs = Vec::new();
    text("display_name", &u.display_name, 200, &mut errs);
    email("email", &u.email, &mut errs);
    if let Some(p) = &u.password {
        password("password", p, &mut errs);
    }
    role_department(u.role, u.department_id, &mut errs);
    errs
}

/// Whether an item's guide (办事指南) can be published as it is: every element an applicant
/// needs is filled — a name, the legal basis, the place, the supervision method, the
/// completion method, at least one material, a fee basis when a fee is charged, a handling
/// department that is still active (`department_active`), and a flow of at least one step.
pub fn guide_complete(item: &Item, department_active: bool) -> bool {
    let filled = |s: &str| !s.trim().is_empty();
    filled(&item.name)
        && filled(&item.legal_basis)
        && filled(&item.location)
        && filled(&item.supervision_method)
        && filled(&item.completion_method)
        && !item.materials.is_empty()
        && (item.fee_amount_cents <= 0 || filled(&item.fee_basis))
        && department_active
        && item.department_id > 0
        && !item.flow_steps.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::model::*;

    fn item_input() -> ItemInput {
        ItemInput {
            code: "SCJG-001".into(),
            category: ItemCategory::AdministrativeLicensing,
            name: "企业设立登记".into(),
            legal_basis: "《公司登记管理条例》".into(),
            department_id: 1,
            statutory_limit_days: 15,
            promised_limit_days: 5,
            limit_unit: LimitUnit::WorkingDays,
            location: "政务服务中心 A 区".into(),
            materials: vec![Material {
                code: "M01".into(),
                name: "申请书".into(),
                required: true,
                tolerance_allowed: false,
            }],
            supervision_method: "电子监察".into(),
            fee_standard: "不收费".into(),
            fee_basis: "".into(),
            fee_amount_cents: 0,
            kind: ItemKind::Promised,
            completion_method: "窗口领取".into(),
            post_approval_department_id: None,
            flow_steps: default_flow(),
            supplement_policy: Default::default(),
            power_id: None,
        }
    }

    fn fields(errs: Vec<FieldError>) -> Vec<String> {
        errs.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_item_passes() {
        assert!(item(&item_input()).is_empty());
    }

    #[test]
    fn limits_are_bounded_and_ordered() {
        let mut i = item_input();
        i.statutory_limit_days = -1;
        assert_eq!(fields(item(&i)), vec!["statutory_limit_days"]);
        i.statutory_limit_days = 400;
        assert_eq!(fields(item(&i)), vec!["statutory_limit_days"]);
        i.statutory_limit_days = 3;
        assert_eq!(fields(item(&i)), vec!["promised_limit_days"]);
        i.statutory_limit_days = 3;
        i.promised_limit_days = 0;
        assert_eq!(
            fields(item(&i)),
            vec!["promised_limit_days"],
            "promised item with 0 days"
        );
        i.kind = ItemKind::Instant;
        assert!(item(&i).is_empty(), "instant item with 0 days is fine");
        i.promised_limit_days = 1;
        assert_eq!(fields(item(&i)), vec!["promised_limit_days"]);
    }

    #[test]
    fn materials_and_flow_are_checked_by_index() {
        let mut i = item_input();
        i.materials.push(Material {
            code: "M01".into(),
            name: "".into(),
            required: false,
            tolerance_allowed: true,
        });
        assert_eq!(
            fields(item(&i)),
            vec![
                "materials[1].name",
                "materials[1].code",
                "materials[1].tolerance_allowed"
            ]
        );
        let mut i = item_input();
        i.flow_steps = vec![FlowStep {
            name: "一审".into(),
            role: StepRole::Reviewer,
        }];
        assert_eq!(fields(item(&i)), vec!["flow_steps"]);
        i.flow_steps.clear();
        assert_eq!(fields(item(&i)), vec!["flow_steps"]);
    }

    #[test]
    fn codes_and_emails() {
        let mut d = DepartmentInput {
            code: "SCJG".into(),
            name: "市场监督管理局".into(),
            parent_id: None,
            head_email: Some("head@scjg.gov.cn".into()),
            window_email: Some("not-an-address".into()),
        };
        assert_eq!(fields(department(&d)), vec!["window_email"]);
        d.code = "-bad code".into();
        d.window_email = None;
        assert_eq!(fields(department(&d)), vec!["code"]);
        for bad in ["a@b", "@b.cn", "a b@c.cn", "a@b@c.cn", "a@.cn"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_email("window.scjg@hohhot.gov.cn"));
    }

    #[test]
    fn bundles_need_stages_without_repeats() {
        let mut b = BundleInput {
            code: "HHHT-MA".into(),
            name: "企业市场准入".into(),
            description: String::new(),
            lead_department_id: 1,
            promised_limit_days: 5,
            join_policy: JoinPolicy::AllMustApprove,
            stages: vec![vec!["A".into(), "B".into()], vec!["A".into()], vec![]],
        };
        assert_eq!(fields(bundle(&b)), vec!["stages[1][0]", "stages[2]"]);
        b.stages.clear();
        b.promised_limit_days = 0;
        assert_eq!(fields(bundle(&b)), vec!["promised_limit_days", "stages"]);
    }

    #[test]
    fn department_scoped_roles_need_a_department() {
        let u = UserInput {
            username: "li.wei".into(),
            display_name: "李伟".into(),
            email: None,
            role: Role::Reviewer,
            department_id: None,
            password: "short".into(),
        };
        assert_eq!(fields(user(&u)), vec!["password", "department_id"]);
        let u = UserInput {
            role: Role::Supervisor,
            password: "long enough pw".into(),
            ..u
        };
        assert!(user(&u).is_empty());
    }
    fn guide_item() -> Item {
        let i = item_input();
        Item {
            id: 1,
            code: i.code,
            category: i.category,
            name: i.name,
            legal_basis: i.legal_basis,
            department_id: i.department_id,
            statutory_limit_days: 15,
            promised_limit_days: 5,
            limit_unit: LimitUnit::WorkingDays,
            location: "政务服务中心一楼 A 区".into(),
            materials: vec![Material {
                code: "M01".into(),
                name: "申请书".into(),
                required: true,
                tolerance_allowed: false,
            }],
            supervision_method: "电子监察".into(),
            fee_standard: "不收费".into(),
            fee_basis: String::new(),
            fee_amount_cents: 0,
            kind: ItemKind::Promised,
            completion_method: "窗口领取".into(),
            post_approval_department_id: None,
            flow_steps: default_flow(),
            supplement_policy: SupplementPolicy::Pause,
            power_id: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            deleted_at: None,
        }
    }

    #[test]
    fn a_guide_is_complete_only_with_every_element_it_needs() {
        let full = guide_item();
        assert!(guide_complete(&full, true));
        assert!(!guide_complete(&full, false), "a deleted department");
        type Change = Box<dyn Fn(&mut Item)>;
        let broken: Vec<(&str, Change)> = vec![
            ("name", Box::new(|i: &mut Item| i.name = " ".into())),
            (
                "legal basis",
                Box::new(|i: &mut Item| i.legal_basis.clear()),
            ),
            ("location", Box::new(|i: &mut Item| i.location.clear())),
            (
                "supervision",
                Box::new(|i: &mut Item| i.supervision_method.clear()),
            ),
            (
                "completion",
                Box::new(|i: &mut Item| i.completion_method.clear()),
            ),
            ("materials", Box::new(|i: &mut Item| i.materials.clear())),
            ("flow", Box::new(|i: &mut Item| i.flow_steps.clear())),
            (
                "fee basis",
                Box::new(|i: &mut Item| i.fee_amount_cents = 500),
            ),
        ];
        for (what, change) in broken {
            let mut i = full.clone();
            change(&mut i);
            assert!(!guide_complete(&i, true), "without {what}");
        }
        let mut paid = full.clone();
        paid.fee_amount_cents = 500;
        paid.fee_basis = "《行政事业性收费标准》".into();
        assert!(guide_complete(&paid, true), "a fee with its basis");
    }
}
