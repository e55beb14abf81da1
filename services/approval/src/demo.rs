//! Demo data for `make run`: the Hohhot enterprise market-access bundle (企业市场准入并联审批:
//! business licence, organization code, tax registration, seal engraving; four departments;
//! promised in 5 working days), the departments' power list (权责清单: one power per demo item,
//! and one e-supervised power without an item, so the demo's coverage is not 100 %), one demo
//! user per role (the hall inspector 督察 included), and a staff record (窗口工作人员) for each
//! demo clerk, reviewer and approver, linked to the account. Seeding is idempotent, and a
//! database seeded by an older version gets the users and staff records it lacks.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use platform::auth::Role;
use platform::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::catalogue::model::*;
use crate::catalogue::powers::{self, PowerInput, PowerKind, PowerStatus};
use crate::catalogue::staff::{self, StaffInput, StaffPost};
use crate::catalogue::store;
use crate::entities::{department, user};
use crate::startup::system_actor;

/// The password of every demo user (printed by `make run`).
pub const DEMO_PASSWORD: &str = "Demo-pass-2026";

/// One account per role; the three administrators of 三权分立 (`sysadmin`, `secadmin`,
/// `auditor`) each hold one duty.
pub const DEMO_USERS: [(&str, Role); 12] = [
    ("clerk", Role::Clerk),
    ("reviewer", Role::Reviewer),
    ("approver", Role::Approver),
    ("supervisor", Role::Supervisor),
    ("assessor", Role::Assessor),
    ("orgdept", Role::OrgDept),
    ("sysadmin", Role::Sysadmin),
    ("secadmin", Role::Secadmin),
    ("auditor", Role::Auditor),
    ("leader", Role::Leader),
    ("callcenter", Role::Callcenter),
    ("inspector", Role::Inspector),
];

/// A staff record of the demo (窗口工作人员): the account it belongs to, the person's name, the
/// window and the post; every demo assignment runs from [`DEMO_STAFF_FROM`].
pub struct DemoStaff {
    pub username: &'static str,
    pub name: &'static str,
    pub window_no: &'static str,
    pub post: StaffPost,
}

/// First day of every demo assignment.
pub const DEMO_STAFF_FROM: &str = "2025-01-01";

pub const DEMO_STAFF: [DemoStaff; 11] = [
    DemoStaff {
        username: "clerk",
        name: "李娜",
        window_no: "A01",
        post: StaffPost::Clerk,
    },
    DemoStaff {
        username: "reviewer",
        name: "张伟",
        window_no: "A02",
        post: StaffPost::Handler,
    },
    DemoStaff {
        username: "approver",
        name: "王芳",
        window_no: "A02",
        post: StaffPost::ChiefRepresentative,
    },
    DemoStaff {
        username: "zjj.reviewer",
        name: "刘洋",
        window_no: "A03",
        post: StaffPost::Handler,
    },
    DemoStaff {
        username: "zjj.approver",
        name: "陈静",
        window_no: "A03",
        post: StaffPost::ChiefRepresentative,
    },
    DemoStaff {
        username: "swj.reviewer",
        name: "杨帆",
        window_no: "A04",
        post: StaffPost::Handler,
    },
    DemoStaff {
        username: "swj.approver",
        name: "赵敏",
        window_no: "A04",
        post: StaffPost::ChiefRepresentative,
    },
    DemoStaff {
        username: "gaj.reviewer",
        name: "黄磊",
        window_no: "A05",
        post: StaffPost::Handler,
    },
    DemoStaff {
        username: "gaj.approver",
        name: "周婷",
        window_no: "A05",
        post: StaffPost::ChiefRepresentative,
    },
    // The supervising office's window (审管办).
    DemoStaff {
        username: "sgb.reviewer",
        name: "吴刚",
        window_no: "A06",
        post: StaffPost::Handler,
    },
    DemoStaff {
        username: "sgb.approver",
        name: "郑丽",
        window_no: "A06",
        post: StaffPost::ChiefRepresentative,
    },
];

struct DemoItem {
    code: &'static str,
    name: &'static str,
    category: ItemCategory,
    dept: &'static str,
    statutory: i64,
    promised: i64,
    basis: &'static str,
    fee: i64,
    materials: &'static [(&'static str, &'static str, bool, bool)],
}

const ITEMS: [DemoItem; 4] = [
    DemoItem {
        code: "HHHT-SCJG-001",
        name: "企业设立登记（营业执照）",
        category: ItemCategory::AdministrativeLicensing,
        dept: "HHHT-SCJG",
        statutory: 15,
        promised: 3,
        basis: "《中华人民共和国公司登记管理条例》",
        fee: 0,
        materials: &[
            ("M01", "公司设立登记申请书", true, false),
            ("M02", "公司章程", true, false),
            ("M03", "股东主体资格证明", true, false),
            ("M04", "住所使用证明", true, true),
        ],
    },
    DemoItem {
        code: "HHHT-ZJJ-001",
        name: "组织机构代码证办理",
        category: ItemCategory::AdministrativeConfirmation,
        dept: "HHHT-ZJJ",
        statutory: 5,
        promised: 2,
        basis: "《组织机构代码管理办法》",
        fee: 10_800,
        materials: &[
            ("M01", "组织机构代码申请表", true, false),
            ("M02", "营业执照副本复印件", true, false),
        ],
    },
    DemoItem {
        code: "HHHT-SWJ-001",
        name: "税务登记",
        category: ItemCategory::AdministrativeConfirmation,
        dept: "HHHT-SWJ",
        statutory: 30,
        promised: 3,
        basis: "《中华人民共和国税收征收管理法》第十五条",
        fee: 0,
        materials: &[
            ("M01", "税务登记表", true, false),
            ("M02", "法定代表人身份证件", true, false),
            ("M03", "财务负责人信息", true, true),
        ],
    },
    DemoItem {
        code: "HHHT-GAJ-001",
        name: "印章刻制",
        category: ItemCategory::AdministrativeLicensing,
        dept: "HHHT-GAJ",
        statutory: 5,
        promised: 1,
        basis: "《印铸刻字业暂行管理规则》",
        fee: 20_000,
        materials: &[
            ("M01", "刻制印章申请表", true, false),
            ("M02", "经办人身份证件", true, false),
        ],
    },
];

/// A power of the demo's power list and the demo item that exercises it (if any).
struct DemoPower {
    code: &'static str,
    name: &'static str,
    kind: PowerKind,
    dept: &'static str,
    basis: &'static str,
    item: Option<&'static str>,
}

const POWERS: [DemoPower; 5] = [
    DemoPower {
        code: "HHHT-SCJG-QL-001",
        name: "市场主体设立登记",
        kind: PowerKind::AdministrativeLicensing,
        dept: "HHHT-SCJG",
        basis: "《中华人民共和国市场主体登记管理条例》第三条、第十九条",
        item: Some("HHHT-SCJG-001"),
    },
    DemoPower {
        code: "HHHT-SCJG-QL-002",
        name: "市场主体变更登记",
        kind: PowerKind::AdministrativeLicensing,
        dept: "HHHT-SCJG",
        basis: "《中华人民共和国市场主体登记管理条例》第二十四条",
        item: None,
    },
    DemoPower {
        code: "HHHT-ZJJ-QL-001",
        name: "组织机构代码登记",
        kind: PowerKind::AdministrativeConfirmation,
        dept: "HHHT-ZJJ",
        basis: "《组织机构代码管理办法》第九条",
        item: Some("HHHT-ZJJ-001"),
    },
    DemoPower {
        code: "HHHT-SWJ-QL-001",
        name: "税务登记",
        kind: PowerKind::AdministrativeConfirmation,
        dept: "HHHT-SWJ",
        basis: "《中华人民共和国税收征收管理法》第十五条；《税务登记管理办法》",
        item: Some("HHHT-SWJ-001"),
    },
    DemoPower {
        code: "HHHT-GAJ-QL-001",
        name: "公章刻制业务核准",
        kind: PowerKind::AdministrativeLicensing,
        dept: "HHHT-GAJ",
        basis: "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）第37项",
        item: Some("HHHT-GAJ-001"),
    },
];

const DEPARTMENTS: [(&str, &str); 6] = [
    ("HHHT-ZWFW", "呼和浩特市政务服务中心"),
    ("HHHT-SCJG", "呼和浩特市工商行政管理局"),
    ("HHHT-ZJJ", "呼和浩特市质量技术监督局"),
    ("HHHT-SWJ", "呼和浩特市税务局"),
    ("HHHT-GAJ", "呼和浩特市公安局"),
    ("HHHT-SGB", "呼和浩特市审批管理办公室（审管办）"),
];

async fn dept_id(db: &DatabaseConnection, code: &str) -> Result<i32, ApiError> {
    department::Entity::find()
        .filter(department::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|d| d.id)
        .ok_or_else(|| ApiError::Internal(format!("demo department {code} missing")))
}

/// Seed what is missing: the catalogue once, then every demo user and staff record not there.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), ApiError> {
    let exists = department::Entity::find()
        .filter(department::Column::Code.eq("HHHT-SCJG"))
        .count(db)
        .await?
        > 0;
    if !exists {
        seed_catalogue(db, now).await?;
    }
    seed_users(db, now).await?;
    seed_staff(db, now).await
}

async fn user_exists(db: &DatabaseConnection, username: &str) -> Result<bool, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .count(db)
        .await?
        > 0)
}

async fn seed_catalogue(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), ApiError> {
    let sys = system_actor();
    for (code, name) in DEPARTMENTS {
        let slug = code.to_ascii_lowercase();
        store::create_department(
            db,
            &sys,
            now,
            DepartmentInput {
                code: code.into(),
                name: name.into(),
                parent_id: None,
                head_email: Some(format!("head.{slug}@hohhot.gov.example")),
                window_email: Some(format!("window.{slug}@hohhot.gov.example")),
            },
        )
        .await?;
    }
    let supervising = dept_id(db, "HHHT-SGB").await?;
    let mut power_of = std::collections::HashMap::new();
    for p in &POWERS {
        let made = powers::create_power(
            db,
            &sys,
            now,
            PowerInput {
                department_id: dept_id(db, p.dept).await?,
                code: p.code.into(),
                name: p.name.into(),
                kind: p.kind,
                legal_basis: p.basis.into(),
                in_hall: true,
                e_supervised: true,
                status: PowerStatus::Active,
                public: true,
                reason: Some("权责清单初始导入（演示数据）".into()),
            },
        )
        .await?;
        if let Some(item) = p.item {
            power_of.insert(item, made.id);
        }
    }
    for it in &ITEMS {
        store::create_item(
            db,
            &sys,
            &crate::catalogue::office::TimeLimitGuard::default(),
            now,
            ItemInput {
                code: it.code.into(),
                category: it.category,
                name: it.name.into(),
                legal_basis: it.basis.into(),
                department_id: dept_id(db, it.dept).await?,
                statutory_limit_days: it.statutory,
                promised_limit_days: it.promised,
                limit_unit: LimitUnit::WorkingDays,
                location: "呼和浩特市政务服务中心 企业准入并联审批窗口".into(),
                materials: it
                    .materials
                    .iter()
                    .map(|(c, n, r, t)| Material {
                        code: (*c).into(),
                        name: (*n).into(),
                        required: *r,
                        tolerance_allowed: *t,
                    })
                    .collect(),
                supervision_method: "电子监察系统实时监控".into(),
                fee_standard: if it.fee == 0 {
                    "不收费".into()
                } else {
                    format!("{} 元/件", it.fee / 100)
                },
                fee_basis: if it.fee == 0 {
                    String::new()
                } else {
                    "物价部门核定标准".into()
                },
                fee_amount_cents: it.fee,
                kind: ItemKind::Promised,
                completion_method: "统一发证：综合窗口一并领取".into(),
                post_approval_department_id: Some(supervising),
                flow_steps: default_flow(),
                supplement_policy: Default::default(),
                power_id: power_of.get(it.code).copied(),
            },
        )
        .await?;
    }
    store::create_bundle(
        db,
        &sys,
        now,
        BundleInput {
            code: "HHHT-ENT-ACCESS".into(),
            name: "企业市场准入并联审批".into(),
            description: "一口受理、一站缴费、同时审查、并联审批、限时办结、统一发证".into(),
            lead_department_id: dept_id(db, "HHHT-SCJG").await?,
            promised_limit_days: 5,
            join_policy: JoinPolicy::AllMustApprove,
            stages: vec![ITEMS.iter().map(|i| i.code.to_string()).collect()],
        },
    )
    .await?;
    Ok(())
}

async fn seed_users(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), ApiError> {
    let sys = system_actor();
    for (username, role) in DEMO_USERS {
        if user_exists(db, username).await? {
            continue;
        }
        let department_id = match role {
            Role::Reviewer | Role::Approver => Some(dept_id(db, "HHHT-SCJG").await?),
            Role::Clerk | Role::Supervisor | Role::Inspector => {
                Some(dept_id(db, "HHHT-ZWFW").await?)
            }
            Role::Assessor => Some(dept_id(db, "HHHT-SGB").await?),
            Role::OrgDept
            | Role::Sysadmin
            | Role::Secadmin
            | Role::Auditor
            | Role::Service
            | Role::Leader
            | Role::Callcenter => None,
        };
        store::create_user(
            db,
            &sys,
            now,
            UserInput {
                username: username.into(),
                display_name: format!("Demo {role}"),
                email: Some(format!("{username}@hohhot.gov.example")),
                role,
                department_id,
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
    }
    // Every department of the bundle has its own 经办人 and 首席代表, so the demo can finish
    // its own bundle (and grant an extension, which needs the department's 负责人).
    for (code, slug) in DEMO_DEPARTMENT_STAFF {
        let department_id = Some(dept_id(db, code).await?);
        for (role, post) in [(Role::Reviewer, "reviewer"), (Role::Approver, "approver")] {
            let username = format!("{slug}.{post}");
            if user_exists(db, &username).await? {
                continue;
            }
            store::create_user(
                db,
                &sys,
                now,
                UserInput {
                    username: username.clone(),
                    display_name: format!("{code} {post}"),
                    email: Some(format!("{username}@hohhot.gov.example")),
                    role,
                    department_id,
                    password: DEMO_PASSWORD.into(),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// A staff record for each demo clerk, reviewer and approver whose account has none, in the
/// account's department.
async fn seed_staff(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), ApiError> {
    let sys = system_actor();
    let from: NaiveDate = DEMO_STAFF_FROM
        .parse()
        .map_err(|e| ApiError::Internal(format!("demo staff date: {e}")))?;
    for s in &DEMO_STAFF {
        let Some(u) = user::Entity::find()
            .filter(user::Column::Username.eq(s.username))
            .one(db)
            .await?
        else {
            continue;
        };
        let Some(department_id) = u.department_id else {
            continue;
        };
        let linked = crate::entities::staff::Entity::find()
            .filter(crate::entities::staff::Column::UserId.eq(u.id))
            .count(db)
            .await?
            > 0;
        if linked || u.deleted_at.is_some() {
            continue;
        }
        staff::create_staff(
            db,
            &sys,
            now,
            StaffInput {
                name: s.name.into(),
                department_id,
                window_no: Some(s.window_no.into()),
                post: s.post,
                assigned_from: from,
                assigned_to: None,
                user_id: Some(u.id),
                reason: Some("窗口工作人员初始登记（演示数据）".into()),
            },
        )
        .await?;
    }
    Ok(())
}

/// The bundle's other departments and the supervising office (审管办, whose approver alone
/// sets items' time limits: `SUPERVISING_OFFICE_CODE=HHHT-SGB` in `make run`), with the prefix
/// of their staff accounts (`zjj.reviewer`, `zjj.approver`, …, `sgb.approver`); the
/// market-supervision bureau's staff are `reviewer` and `approver`.
pub const DEMO_DEPARTMENT_STAFF: [(&str, &str); 4] = [
    ("HHHT-ZJJ", "zjj"),
    ("HHHT-SWJ", "swj"),
    ("HHHT-GAJ", "gaj"),
    ("HHHT-SGB", "sgb"),
];
