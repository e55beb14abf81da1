//! Request and response shapes of the catalogue API.

use chrono::{DateTime, Utc};
use platform::auth::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Item category (事项分类).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemCategory {
    /// 行政许可
    AdministrativeLicensing,
    /// 行政确认
    AdministrativeConfirmation,
    /// 行政给付
    AdministrativePayment,
    /// 行政征收
    AdministrativeLevy,
    /// 行政奖励
    AdministrativeReward,
    /// 行政裁决
    AdministrativeAdjudication,
    /// 其他行政权力
    OtherAdministrativePower,
    /// 公共服务
    PublicService,
}

impl ItemCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemCategory::AdministrativeLicensing => "administrative_licensing",
            ItemCategory::AdministrativeConfirmation => "administrative_confirmation",
            ItemCategory::AdministrativePayment => "administrative_payment",
            ItemCategory::AdministrativeLevy => "administrative_levy",
            ItemCategory::AdministrativeReward => "administrative_reward",
            ItemCategory::AdministrativeAdjudication => "administrative_adjudication",
            ItemCategory::OtherAdministrativePower => "other_administrative_power",
            ItemCategory::PublicService => "public_service",
        }
    }
}

/// How a branch's clock treats a supplement (补正, 行政许可法 第三十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupplementPolicy {
    /// The clock stops while materials are awaited and runs on from where it stopped (the
    /// default).
    #[default]
    Pause,
    /// 重新计时: the limit starts again, whole, when the requested materials are in (受理时间
    /// 自材料补正之日起计算, where the item's rules count so).
    Restart,
}

impl SupplementPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            SupplementPolicy::Pause => "pause",
            SupplementPolicy::Restart => "restart",
        }
    }
}

/// Instant item (即办件: done on the spot) or promised item (承诺件: done within the promised limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Instant,
    Promised,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Instant => "instant",
            ItemKind::Promised => "promised",
        }
    }
}

/// How a limit is counted: working days (工作日, the default) or natural days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    #[default]
    WorkingDays,
    NaturalDays,
}

impl LimitUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitUnit::WorkingDays => "working_days",
            LimitUnit::NaturalDays => "natural_days",
        }
    }
}

/// A required or optional material (申报资料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Unique within the item, e.g. `M01`.
    pub code: String,
    pub name: String,
    /// Must be presented for the application to be complete.
    pub required: bool,
    /// 容缺: a required material the window may accept as missing, to be delivered by a promised date.
    #[serde(default)]
    pub tolerance_allowed: bool,
}

/// Who acts in a flow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    /// 一审: the department reviewer.
    Reviewer,
    /// 一核: the chief representative.
    Approver,
}

/// A step of the item's flow (流程图), e.g. 一审一核 = review then approve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowStep {
    pub name: String,
    pub role: StepRole,
}

pub fn default_flow() -> Vec<FlowStep> {
    vec![
        FlowStep {
            name: "一审 review".into(),
            role: StepRole::Reviewer,
        },
        FlowStep {
            name: "一核 approval".into(),
            role: StepRole::Approver,
        },
    ]
}

// ---------- departments ----------

/// Create or replace a department.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// Unique code, letters, digits, `.`, `_`, `-` (≤ 64).
    pub code: String,
    pub name: String,
    /// The parent department, if any.
    #[serde(default)]
    pub parent_id: Option<i32>,
    /// The head's contact e-mail (daily digests, escalations).
    #[serde(default)]
    pub head_email: Option<String>,
    /// The department window's contact e-mail (warnings and cards).
    #[serde(default)]
    pub window_email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Department {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i32>,
    pub head_email: Option<String>,
    pub window_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the department was retired; it stays for the records that name it.
    pub deleted_at: Option<DateTime<Utc>>,
}

// ---------- items ----------

/// Create or replace an approval item (事项) with all its elements.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// Item code (事项编码), unique.
    pub code: String,
    pub category: ItemCategory,
    pub name: String,
    /// Legal basis (行使依据).
    pub legal_basis: String,
    /// Handling department (办理主体).
    pub department_id: i32,
    /// Statutory time limit (法定期限), 0–365, in `limit_unit`.
    pub statutory_limit_days: i64,
    /// Promised time limit (承诺期限), ≤ the statutory one; 0 for instant items.
    pub promised_limit_days: i64,
    #[serde(default)]
    pub limit_unit: LimitUnit,
    /// Handling location (办理地点).
    pub location: String,
    /// Required materials (申报资料).
    pub materials: Vec<Material>,
    /// Supervision method (监督方式).
    pub supervision_method: String,
    /// Fee standard (收费标准), text; `fee_amount_cents` is what the window charges.
    pub fee_standard: String,
    /// Fee basis (收费依据).
    pub fee_basis: String,
    /// Fee per application in fen (分), ≥ 0.
    #[serde(default)]
    pub fee_amount_cents: i64,
    pub kind: ItemKind,
    /// Completion method (办结方式), e.g. certificate collected at the window.
    pub completion_method: String,
    /// Post-approval supervising department (批后监管科室).
    #[serde(default)]
    pub post_approval_department_id: Option<i32>,
    /// Flow steps; default 一审一核.
    #[serde(default = "default_flow")]
    pub flow_steps: Vec<FlowStep>,
    /// What a supplement does to the clock: `pause` (default) or `restart` (重新计时).
    #[serde(default)]
    pub supplement_policy: SupplementPolicy,
    /// The power of the power list (权责清单) this item exercises: one of the item's own
    /// department (422 `power_department_mismatch` otherwise).
    #[serde(default)]
    #[schema(nullable = false, minimum = 1)]
    pub power_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: i32,
    pub code: String,
    pub category: ItemCategory,
    pub name: String,
    pub legal_basis: String,
    pub department_id: i32,
    pub statutory_limit_days: i32,
    pub promised_limit_days: i32,
    pub limit_unit: LimitUnit,
    pub location: String,
    pub materials: Vec<Material>,
    pub supervision_method: String,
    pub fee_standard: String,
    pub fee_basis: String,
    pub fee_amount_cents: i64,
    pub kind: ItemKind,
    pub completion_method: String,
    pub post_approval_department_id: Option<i32>,
    pub flow_steps: Vec<FlowStep>,
    /// What a supplement does to the clock: `pause` or `restart` (重新计时).
    pub supplement_policy: SupplementPolicy,
    /// The power (权责清单) the item exercises.
    pub power_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

// ---------- bundles ----------

/// Join policy of a bundle: how the branches' decisions make the case's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    /// All must approve; the first rejection rejects the case and closes the other branches.
    #[default]
    AllMustApprove,
    /// All must approve; a rejection rejects the case once every branch of the stage has decided.
    AllMustApproveWaitAll,
}

impl JoinPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinPolicy::AllMustApprove => "all_must_approve",
            JoinPolicy::AllMustApproveWaitAll => "all_must_approve_wait_all",
        }
    }
}

/// Create or replace a parallel bundle (并联套餐).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Lead department (牵头部门).
    pub lead_department_id: i32,
    /// Overall promised limit in working days.
    pub promised_limit_days: i64,
    #[serde(default)]
    pub join_policy: JoinPolicy,
    /// Stages in order (前置审批); each a list of item codes handled in parallel.
    pub stages: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleItemRef {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub department_id: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    /// 1-based stage number.
    pub stage: i32,
    pub items: Vec<BundleItemRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Bundle {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub description: String,
    pub lead_department_id: i32,
    pub promised_limit_days: i32,
    pub join_policy: JoinPolicy,
    pub stages: Vec<Stage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

// ---------- users ----------

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Login name: letters, digits, `.`, `_`, `-` (≤ 64).
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub role: Role,
    /// Required for department-scoped roles (reviewer, approver); allowed for others.
    #[serde(default)]
    pub department_id: Option<i32>,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub department_id: Option<i32>,
    pub active: bool,
    /// A new password, at least 10 characters; omit to keep the current one.
    #[serde(default)]
    #[schema(min_length = 10)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub department_id: Option<i32>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}
