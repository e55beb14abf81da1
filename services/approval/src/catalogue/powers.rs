//! The power list (权责清单): every power a department holds by law, with its legal basis, and
//! whether it must be handled in the hall (应进驻) and be under e-supervision (应纳入电子监察).
//! Items (事项) name the power they exercise (`items.power_id`), so the list says what should
//! be supervised and the items what is: the coverage indicator (电子监察覆盖率) of the
//! assessment compares the two.
//!
//! Every write is one transaction: the row, a history row with the full snapshot
//! (`power_versions`), the audit record and a `power_changed` feed event (`case_id` 0: a fact
//! of the catalogue, not of a case). Linking or unlinking an item, or deleting a linked item,
//! publishes `power_changed` too, with the power's current `item_ids`.

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Change};
use crate::cases::events::{self, NewEvent};
use crate::catalogue::rules::text;
use crate::catalogue::store::{department_ref, stored_enum};
use crate::catalogue::versions;
use crate::entities::{item, power, power_version};

/// The kind of a power (职权类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PowerKind {
    /// 行政许可
    AdministrativeLicensing,
    /// 行政确认
    AdministrativeConfirmation,
    /// 行政给付
    AdministrativePayment,
    /// 行政裁决
    AdministrativeRuling,
    /// 行政检查
    AdministrativeInspection,
    /// 公共服务
    PublicService,
    /// 其他
    Other,
}

impl PowerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerKind::AdministrativeLicensing => "administrative_licensing",
            PowerKind::AdministrativeConfirmation => "administrative_confirmation",
            PowerKind::AdministrativePayment => "administrative_payment",
            PowerKind::AdministrativeRuling => "administrative_ruling",
            PowerKind::AdministrativeInspection => "administrative_inspection",
            PowerKind::PublicService => "public_service",
            PowerKind::Other => "other",
        }
    }
}

/// Whether a power is exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PowerStatus {
    Active,
    /// 暂停实施.
    Suspended,
    /// 取消 (kept, with its history).
    Abolished,
}

impl PowerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerStatus::Active => "active",
            PowerStatus::Suspended => "suspended",
            PowerStatus::Abolished => "abolished",
        }
    }
}

/// Create or replace (every field) a power.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "department_id": 2, "code": "HHHT-SCJG-QL-001", "name": "企业设立登记",
    "kind": "administrative_licensing",
    "legal_basis": "《中华人民共和国市场主体登记管理条例》第三条",
    "in_hall": true, "e_supervised": true, "status": "active", "public": true
}))]
pub struct PowerInput {
    /// The department holding the power.
    pub department_id: i32,
    /// Unique, 1–64 letters, digits, `-`, `_`, `.`.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: PowerKind,
    /// Legal basis (设定依据), required: a power without one is not a power.
    #[schema(min_length = 1, max_length = 2000)]
    pub legal_basis: String,
    /// Must be handled in the hall (应进驻).
    pub in_hall: bool,
    /// Must be under e-supervision (应纳入电子监察).
    pub e_supervised: bool,
    pub status: PowerStatus,
    /// Published (公开).
    pub public: bool,
    /// Why it changed, kept in the history (optional, ≤ 2000 characters).
    #[serde(default)]
    #[schema(nullable = false, max_length = 2000)]
    pub reason: Option<String>,
}

/// A power of the list, with the items that exercise it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Power {
    pub id: i32,
    pub department_id: i32,
    pub code: String,
    pub name: String,
    pub kind: PowerKind,
    pub legal_basis: String,
    pub in_hall: bool,
    pub e_supervised: bool,
    pub status: PowerStatus,
    pub public: bool,
    /// 1 when created, +1 per change; send as `If-Match: "<version>"` with a `PUT`.
    pub version: i64,
    /// The items (事项), not deleted, that exercise this power.
    pub item_ids: Vec<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a power (its history).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PowerVersion {
    pub version: i64,
    /// The power as it was at this version (the `Power` shape).
    pub snapshot: serde_json::Value,
    /// User id of who made the change (0: the system).
    pub changed_by: i32,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// Every broken rule of a power's input at once, each naming its field.
pub fn rules(p: &PowerInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let code_ok = !p.code.is_empty()
        && p.code.len() <= 64
        && p.code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !code_ok {
        errs.push(FieldError::new(
            "code",
            "must be 1–64 letters, digits, '-', '_' or '.'",
        ));
    }
    text("name", &p.name, 200, &mut errs);
    text("legal_basis", &p.legal_basis, 2000, &mut errs);
    versions::reason_rule(&p.reason, &mut errs);
    errs
}

/// Ids of the items, not deleted, that exercise power `id`.
async fn item_ids<C: ConnectionTrait>(c: &C, id: i32) -> Result<Vec<i32>, ApiError> {
    Ok(item::Entity::find()
        .filter(item::Column::PowerId.eq(id))
        .filter(item::Column::DeletedAt.is_null())
        .order_by_asc(item::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

fn view(m: power::Model, item_ids: Vec<i32>) -> Result<Power, ApiError> {
    Ok(Power {
        id: m.id,
        department_id: m.department_id,
        kind: stored_enum(&m.kind, "power kind")?,
        status: stored_enum(&m.status, "power status")?,
        code: m.code,
        name: m.name,
        legal_basis: m.legal_basis,
        in_hall: m.in_hall,
        e_supervised: m.e_supervised,
        public: m.public,
        version: m.version,
        item_ids,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<power::Model, ApiError> {
    power::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("power", id))
}

async fn load_view<C: ConnectionTrait>(c: &C, id: i32) -> Result<Power, ApiError> {
    let m = load(c, id).await?;
    view(m, item_ids(c, id).await?)
}

/// The feed event of a power as it is now: `power_changed`, `case_id` 0.
pub async fn changed_event<C: ConnectionTrait>(
    c: &C,
    id: i32,
    from_status: &str,
    now: DateTime<Utc>,
) -> Result<NewEvent, ApiError> {
    let p = load_view(c, id).await?;
    Ok(NewEvent {
        case_id: 0,
        branch_id: None,
        kind: "power_changed".into(),
        from_state: from_status.to_string(),
        to_state: p.status.as_str().to_string(),
        payload: json!({
            "type": "power_changed", "power_id": p.id, "department_id": p.department_id,
            "code": p.code, "name": p.name, "kind": p.kind, "legal_basis": p.legal_basis,
            "in_hall": p.in_hall, "e_supervised": p.e_supervised, "status": p.status,
            "public": p.public, "version": p.version, "item_ids": p.item_ids, "at": now,
        }),
    })
}

/// An item may name a power only of its own department (`power_id`, 422 otherwise).
pub async fn check_item_power<C: ConnectionTrait>(
    c: &C,
    power_id: Option<i32>,
    department_id: i32,
) -> Result<(), ApiError> {
    let Some(id) = power_id else {
        return Ok(());
    };
    let Some(p) = power::Entity::find_by_id(id).one(c).await? else {
        return Err(ApiError::validation(
            "power_id",
            format!("unknown power {id}"),
        ));
    };
    if p.department_id != department_id {
        return Err(ApiError::Validation {
            code: "power_department_mismatch",
            errors: vec![FieldError::new(
                "power_id",
                format!(
                    "power {id} ({}) belongs to department {}, the item to department {department_id}",
                    p.code, p.department_id
                ),
            )],
        });
    }
    Ok(())
}

async fn code_free<C: ConnectionTrait>(
    c: &C,
    code: &str,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let mut q = power::Entity::find().filter(power::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(power::Column::Id.ne(id));
    }
    if q.count(c).await? > 0 {
        return Err(ApiError::conflict_on(
            "duplicate_code",
            "code",
            format!("power code `{code}` is already used"),
        ));
    }
    Ok(())
}

/// The history row, the audit record and the feed event of power `id` just written (call
/// last in the transaction: the event append takes the feed's lock).
async fn record_change<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    before: Option<&Power>,
    reason: Option<String>,
) -> Result<Power, ApiError> {
    let after = load_view(c, id).await?;
    power_version::ActiveModel {
        power_id: Set(id),
        version: Set(after.version),
        snapshot: Set(versions::snapshot(&after)?),
        changed_by: Set(actor.id),
        changed_at: Set(now),
        reason: Set(reason),
        ..Default::default()
    }
    .insert(c)
    .await?;
    let change = match before {
        Some(b) => Change::new("update", "power", id).before(b),
        None => Change::new("create", "power", id),
    };
    audit::record(c, actor, now, change.after(&after)).await?;
    let from = before.map(|b| b.status.as_str()).unwrap_or("");
    let e = changed_event(c, id, from, now).await?;
    events::append(c, actor.id, actor.role.as_str(), now, vec![e]).await?;
    Ok(after)
}

/// Create a power (system administrator): version 1, its first history row.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction powers.create_power", db.operation = "powers.create_power"))]
pub async fn create_power(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: PowerInput,
) -> Result<Power, ApiError> {
    actor.require(&[Role::Sysadmin])?;
    ApiError::validation_all(rules(&input))?;
    let txn = db.begin().await?;
    department_ref(&txn, input.department_id, "department_id").await?;
    code_free(&txn, &input.code, None).await?;
    let reason = versions::reason_of(&input.reason);
    let m = power::ActiveModel {
        department_id: Set(input.department_id),
        code: Set(input.code),
        name: Set(input.name.trim().to_string()),
        kind: Set(input.kind.as_str().into()),
        legal_basis: Set(input.legal_basis.trim().to_string()),
        in_hall: Set(input.in_hall),
        e_supervised: Set(input.e_supervised),
        status: Set(input.status.as_str().into()),
        public: Set(input.public),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = record_change(&txn, actor, now, m.id, None, reason).await?;
    txn.commit().await?;
    Ok(view)
}

/// Replace a power (system administrator): every field, version + 1, a history row. `if_match`: the version
/// the client read (409 `stale_version` when it changed since). A power that items exercise
/// cannot move to another department (the items would name a power not theirs).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction powers.update_power", db.operation = "powers.update_power"))]
pub async fn update_power(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: PowerInput,
    if_match: Option<i64>,
) -> Result<Power, ApiError> {
    actor.require(&[Role::Sysadmin])?;
    let txn = db.begin().await?;
    let current = load(&txn, id).await?;
    ApiError::validation_all(rules(&input))?;
    versions::check_if_match("power", id, current.version, if_match)?;
    department_ref(&txn, input.department_id, "department_id").await?;
    code_free(&txn, &input.code, Some(id)).await?;
    let before = view(current.clone(), item_ids(&txn, id).await?)?;
    if input.department_id != current.department_id && !before.item_ids.is_empty() {
        return Err(ApiError::Validation {
            code: "power_department_mismatch",
            errors: vec![FieldError::new(
                "department_id",
                format!(
                    "items {:?} of department {} exercise this power: unlink them first",
                    before.item_ids, current.department_id
                ),
            )],
        });
    }
    let reason = versions::reason_of(&input.reason);
    let res = power::Entity::update_many()
        .col_expr(
            power::Column::DepartmentId,
            Expr::value(input.department_id),
        )
        .col_expr(power::Column::Code, Expr::value(input.code))
        .col_expr(
            power::Column::Name,
            Expr::value(input.name.trim().to_string()),
        )
        .col_expr(power::Column::Kind, Expr::value(input.kind.as_str()))
        .col_expr(
            power::Column::LegalBasis,
            Expr::value(input.legal_basis.trim().to_string()),
        )
        .col_expr(power::Column::InHall, Expr::value(input.in_hall))
        .col_expr(power::Column::ESupervised, Expr::value(input.e_supervised))
        .col_expr(power::Column::Status, Expr::value(input.status.as_str()))
        .col_expr(power::Column::Public, Expr::value(input.public))
        .col_expr(power::Column::Version, Expr::value(current.version + 1))
        .col_expr(power::Column::UpdatedAt, Expr::value(now))
        .filter(power::Column::Id.eq(id))
        .filter(power::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(versions::changed_meanwhile("power", id));
    }
    let view = record_change(&txn, actor, now, id, Some(&before), reason).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get_power(db: &DatabaseConnection, id: i32) -> Result<Power, ApiError> {
    load_view(db, id).await
}

pub struct PowerFilter {
    pub department_id: Option<i32>,
    pub status: Option<PowerStatus>,
}

pub async fn list_powers(
    db: &DatabaseConnection,
    f: PowerFilter,
    page: PageRequest,
) -> Result<Page<Power>, ApiError> {
    let mut q = power::Entity::find();
    if let Some(d) = f.department_id {
        q = q.filter(power::Column::DepartmentId.eq(d));
    }
    if let Some(s) = f.status {
        q = q.filter(power::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = page.after_id {
        q = q.filter(power::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(power::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|p| p.id).collect();
    let mut links: std::collections::HashMap<i32, Vec<i32>> = std::collections::HashMap::new();
    for i in item::Entity::find()
        .filter(item::Column::PowerId.is_in(ids))
        .filter(item::Column::DeletedAt.is_null())
        .order_by_asc(item::Column::Id)
        .all(db)
        .await?
    {
        if let Some(p) = i.power_id {
            links.entry(p).or_default().push(i.id);
        }
    }
    page.try_page(
        rows,
        |r| r.id as i64,
        |r| {
            let items = links.get(&r.id).cloned().unwrap_or_default();
            view(r, items)
        },
    )
}

/// Every version of a power, oldest first.
pub async fn history(db: &DatabaseConnection, id: i32) -> Result<Vec<PowerVersion>, ApiError> {
    load(db, id).await?;
    power_version::Entity::find()
        .filter(power_version::Column::PowerId.eq(id))
        .order_by_asc(power_version::Column::Version)
        .order_by_asc(power_version::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|v| {
            Ok(PowerVersion {
                version: v.version,
                snapshot: versions::read_snapshot("power", id, &v.snapshot)?,
                changed_by: v.changed_by,
                changed_at: v.changed_at,
                reason: v.reason,
            })
        })
        .collect()
}
