//! Catalogue persistence: every write validates, checks references, writes the row and its
//! audit record in one transaction, and returns the stored view.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::auth::{hash_password, AuthUser, Role};
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
    TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::*;
use super::office::{TimeLimitGuard, TimeLimits};
use super::{powers, rules};
use crate::audit::{self, Change};
use crate::entities::{
    branch, bundle, bundle_item, card, case, claim, complaint, department, item, user,
};

/// What a DELETE did: `soft` keeps the row (it is referenced) and hides it from new use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deleted {
    pub id: i32,
    /// `hard` (row removed) or `soft` (kept for the records that reference it, marked deleted).
    pub mode: String,
}

fn deleted(id: i32, soft: bool) -> Deleted {
    Deleted {
        id,
        mode: if soft { "soft" } else { "hard" }.into(),
    }
}

fn page_query<E: EntityTrait>(
    q: Select<E>,
    id_col: impl ColumnTrait,
    page: &PageRequest,
) -> Select<E> {
    let q = match page.after_id {
        Some(after) => q.filter(id_col.gt(after)),
        None => q,
    };
    q.order_by_asc(id_col).limit(page.limit + 1)
}

/// A department that exists and is not deleted (422 on `field` otherwise).
pub(crate) async fn department_ref<C: ConnectionTrait>(
    c: &C,
    id: i32,
    field: &str,
) -> Result<(), ApiError> {
    match department::Entity::find_by_id(id).one(c).await? {
        Some(d) if d.deleted_at.is_none() => Ok(()),
        Some(_) => Err(ApiError::validation(
            field,
            format!("department {id} has been deleted"),
        )),
        None => Err(ApiError::validation(
            field,
            format!("unknown department {id}"),
        )),
    }
}

fn parse_json_column<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(raw)
        .map_err(|e| ApiError::Internal(format!("stored {what} unreadable: {e}")))
}

fn to_json_column<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

// ---------------- departments ----------------

impl From<department::Model> for Department {
    fn from(m: department::Model) -> Self {
        Department {
            id: m.id,
            code: m.code,
            name: m.name,
            parent_id: m.parent_id,
            head_email: m.head_email,
            window_email: m.window_email,
            created_at: m.created_at,
            updated_at: m.updated_at,
            deleted_at: m.deleted_at,
        }
    }
}

pub struct DepartmentFilter {
    pub parent_id: Option<i32>,
    pub include_deleted: bool,
}

pub async fn list_departments(
    db: &DatabaseConnection,
    f: DepartmentFilter,
    page: PageRequest,
) -> Result<Page<Department>, ApiError> {
    let mut q = department::Entity::find();
    if let Some(p) = f.parent_id {
        q = q.filter(department::Column::ParentId.eq(p));
    }
    if !f.include_deleted {
        q = q.filter(department::Column::DeletedAt.is_null());
    }
    let rows = page_query(q, department::Column::Id, &page).all(db).await?;
    Ok(page.page(rows, |r| r.id as i64, Department::from))
}

pub async fn get_department<C: ConnectionTrait>(
    c: &C,
    id: i32,
) -> Result<department::Model, ApiError> {
    department::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("department", id))
}

async fn department_code_free<C: ConnectionTrait>(
    c: &C,
    code: &str,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let mut q = department::Entity::find().filter(department::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(department::Column::Id.ne(id));
    }
    if q.count(c).await? > 0 {
        return Err(ApiError::conflict_on(
            "duplicate_code",
            "code",
            format!("department code `{code}` is already used"),
        ));
    }
    Ok(())
}

/// The parent must exist, be live, and not be the department itself or one of its descendants.
async fn department_parent<C: ConnectionTrait>(
    c: &C,
    id: Option<i32>,
    parent: Option<i32>,
) -> Result<(), ApiError> {
    let Some(mut cursor) = parent else {
        return Ok(());
    };
    department_ref(c, cursor, "parent_id").await?;
    for _ in 0..64 {
        if Some(cursor) == id {
            return Err(ApiError::validation(
                "parent_id",
                "a department cannot be its own ancestor",
            ));
        }
        match get_department(c, cursor).await?.parent_id {
            Some(p) => cursor = p,
            None => return Ok(()),
        }
    }
    Err(ApiError::validation(
        "parent_id",
        "the department tree is deeper than 64 levels",
    ))
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.create_department", db.operation = "catalogue.create_department"))]
pub async fn create_department(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: DepartmentInput,
) -> Result<Department, ApiError> {
    ApiError::validation_all(rules::department(&input))?;
    let txn = db.begin().await?;
    department_parent(&txn, None, input.parent_id).await?;
    department_code_free(&txn, &input.code, None).await?;
    let m = department::ActiveModel {
        code: Set(input.code),
        name: Set(input.name),
        parent_id: Set(input.parent_id),
        head_email: Set(input.head_email),
        window_email: Set(input.window_email),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = Department::from(m);
    audit::record(
        &txn,
        actor,
        now,
        Change::new("create", "department", view.id).after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.update_department", db.operation = "catalogue.update_department"))]
pub async fn update_department(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: DepartmentInput,
) -> Result<Department, ApiError> {
    ApiError::validation_all(rules::department(&input))?;
    let txn = db.begin().await?;
    let current = get_department(&txn, id).await?;
    if current.deleted_at.is_some() {
        return Err(ApiError::conflict(
            "deleted",
            format!("department {id} has been deleted"),
        ));
    }
    department_parent(&txn, Some(id), input.parent_id).await?;
    department_code_free(&txn, &input.code, Some(id)).await?;
    let before = Department::from(current.clone());
    let mut am = current.into_active_model();
    am.code = Set(input.code);
    am.name = Set(input.name);
    am.parent_id = Set(input.parent_id);
    am.head_email = Set(input.head_email);
    am.window_email = Set(input.window_email);
    am.updated_at = Set(now);
    let view = Department::from(am.update(&txn).await?);
    audit::record(
        &txn,
        actor,
        now,
        Change::new("update", "department", id)
            .before(&before)
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.delete_department", db.operation = "catalogue.delete_department"))]
pub async fn delete_department(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Deleted, ApiError> {
    let txn = db.begin().await?;
    let current = get_department(&txn, id).await?;
    let refs = item::Entity::find()
        .filter(
            item::Column::DepartmentId
                .eq(id)
                .or(item::Column::PostApprovalDepartmentId.eq(id)),
        )
        .count(&txn)
        .await?
        + user::Entity::find()
            .filter(user::Column::DepartmentId.eq(id))
            .count(&txn)
            .await?
        + bundle::Entity::find()
            .filter(bundle::Column::LeadDepartmentId.eq(id))
            .count(&txn)
            .await?
        + department_case_refs(&txn, id).await?;
    let live_children = department::Entity::find()
        .filter(department::Column::ParentId.eq(id))
        .filter(department::Column::DeletedAt.is_null())
        .count(&txn)
        .await?;
    if live_children > 0 {
        return Err(ApiError::conflict(
            "in_use",
            format!("department {id} still has {live_children} sub-department(s); move or delete them first"),
        ));
    }
    let children = department::Entity::find()
        .filter(department::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    let before = Department::from(current.clone());
    let soft = refs + children > 0;
    if soft {
        if current.deleted_at.is_none() {
            let mut am = current.into_active_model();
            am.deleted_at = Set(Some(now));
            am.updated_at = Set(now);
            am.update(&txn).await?;
        }
    } else {
        department::Entity::delete_by_id(id).exec(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        now,
        Change::new(
            if soft { "soft_delete" } else { "delete" },
            "department",
            id,
        )
        .before(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(deleted(id, soft))
}

// ---------------- items ----------------

/// Read back an enum stored as its snake_case name.
pub(crate) fn stored_enum<T: serde::de::DeserializeOwned>(
    v: &str,
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(v.to_string()))
        .map_err(|e| ApiError::Internal(format!("stored {what} unreadable: {e}")))
}

pub(crate) fn item_view(m: item::Model) -> Result<Item, ApiError> {
    let category: ItemCategory = stored_enum(&m.category, "category")?;
    let kind: ItemKind = stored_enum(&m.kind, "kind")?;
    let limit_unit: LimitUnit = stored_enum(&m.limit_unit, "limit_unit")?;
    Ok(Item {
        id: m.id,
        code: m.code,
        category,
        name: m.name,
        legal_basis: m.legal_basis,
        department_id: m.department_id,
        statutory_limit_days: m.statutory_limit_days,
        promised_limit_days: m.promised_limit_days,
        limit_unit,
        location: m.location,
        materials: parse_json_column(&m.materials, "materials")?,
        supervision_method: m.supervision_method,
        fee_standard: m.fee_standard,
        fee_basis: m.fee_basis,
        fee_amount_cents: m.fee_amount_cents,
        kind,
        completion_method: m.completion_method,
        post_approval_department_id: m.post_approval_department_id,
        flow_steps: parse_json_column(&m.flow_steps, "flow_steps")?,
        supplement_policy: stored_enum(&m.supplement_policy, "supplement_policy")?,
        power_id: m.power_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

pub struct ItemFilter {
    pub department_id: Option<i32>,
    pub category: Option<ItemCategory>,
    pub kind: Option<ItemKind>,
    pub include_deleted: bool,
}

pub async fn list_items(
    db: &DatabaseConnection,
    f: ItemFilter,
    page: PageRequest,
) -> Result<Page<Item>, ApiError> {
    let mut q = item::Entity::find();
    if let Some(d) = f.department_id {
        q = q.filter(item::Column::DepartmentId.eq(d));
    }
    if let Some(c) = f.category {
        q = q.filter(item::Column::Category.eq(c.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(item::Column::Kind.eq(k.as_str()));
    }
    if !f.include_deleted {
        q = q.filter(item::Column::DeletedAt.is_null());
    }
    let rows = page_query(q, item::Column::Id, &page).all(db).await?;
    page.try_page(rows, |r| r.id as i64, item_view)
}

pub async fn get_item_row<C: ConnectionTrait>(c: &C, id: i32) -> Result<item::Model, ApiError> {
    item::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("item", id))
}

pub async fn get_item(db: &DatabaseConnection, id: i32) -> Result<Item, ApiError> {
    item_view(get_item_row(db, id).await?)
}

/// Who may write an item: the system administrator, the supervising office (审管办, see
/// [`TimeLimitGuard`]), or the chief representative (approver) of the item's own department
/// (the department maintains its own 一表一图; its time limits are the office's).
pub fn may_write_item(
    actor: &AuthUser,
    guard: &TimeLimitGuard,
    department_id: i32,
) -> Result<(), ApiError> {
    if guard.is_office(actor) {
        return Ok(());
    }
    actor.require(&[Role::Sysadmin, Role::Approver])?;
    actor.require_department(department_id)
}

async fn item_code_free<C: ConnectionTrait>(
    c: &C,
    code: &str,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let mut q = item::Entity::find().filter(item::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(item::Column::Id.ne(id));
    }
    if q.count(c).await? > 0 {
        return Err(ApiError::conflict_on(
            "duplicate_code",
            "code",
            format!("item code `{code}` is already used"),
        ));
    }
    Ok(())
}

fn fill_item(am: &mut item::ActiveModel, i: ItemInput, now: DateTime<Utc>) {
    am.code = Set(i.code);
    am.category = Set(i.category.as_str().into());
    am.name = Set(i.name);
    am.legal_basis = Set(i.legal_basis);
    am.department_id = Set(i.department_id);
    am.statutory_limit_days = Set(i.statutory_limit_days as i32);
    am.promised_limit_days = Set(i.promised_limit_days as i32);
    am.limit_unit = Set(i.limit_unit.as_str().into());
    am.location = Set(i.location);
    am.materials = Set(to_json_column(&i.materials));
    am.supervision_method = Set(i.supervision_method);
    am.fee_standard = Set(i.fee_standard);
    am.fee_basis = Set(i.fee_basis);
    am.fee_amount_cents = Set(i.fee_amount_cents);
    am.kind = Set(i.kind.as_str().into());
    am.completion_method = Set(i.completion_method);
    am.post_approval_department_id = Set(i.post_approval_department_id);
    am.flow_steps = Set(to_json_column(&i.flow_steps));
    am.supplement_policy = Set(i.supplement_policy.as_str().into());
    am.power_id = Set(i.power_id);
    am.updated_at = Set(now);
}

async fn item_refs<C: ConnectionTrait>(c: &C, i: &ItemInput) -> Result<(), ApiError> {
    department_ref(c, i.department_id, "department_id").await?;
    if let Some(p) = i.post_approval_department_id {
        department_ref(c, p, "post_approval_department_id").await?;
    }
    powers::check_item_power(c, i.power_id, i.department_id).await
}

/// An item's link to the power list changed (linked, unlinked, moved, or the linked item
/// deleted): each power concerned is published again (`power_changed`) with its `item_ids`.
/// Call last in the transaction.
async fn publish_powers<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    before: Option<i32>,
    after: Option<i32>,
) -> Result<(), ApiError> {
    if before == after {
        return Ok(());
    }
    let mut out = Vec::new();
    for id in [before, after].into_iter().flatten() {
        let status = crate::entities::power::Entity::find_by_id(id)
            .one(c)
            .await?
            .map(|p| p.status)
            .unwrap_or_default();
        out.push(powers::changed_event(c, id, &status, now).await?);
    }
    crate::cases::events::append(c, actor.id, actor.role.as_str(), now, out).await
}

/// The feed event of an item as it is now (`item_changed`, `case_id` 0): what the assessment
/// service and other readers need to know of the catalogue — whether the item is still active
/// and whether its guide (办事指南) is complete. Appended in the write's own transaction, which
/// for an active item also publishes the guide's next version (`public::guide::publish_version`).
async fn append_item_changed<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    view: &Item,
    active: bool,
) -> Result<(), ApiError> {
    let department_active = department::Entity::find_by_id(view.department_id)
        .one(c)
        .await?
        .is_some_and(|d| d.deleted_at.is_none());
    let complete = rules::guide_complete(view, department_active);
    let event = crate::cases::events::NewEvent {
        case_id: 0,
        branch_id: None,
        kind: "item_changed".into(),
        from_state: String::new(),
        to_state: if active { "active" } else { "deleted" }.into(),
        payload: serde_json::json!({
            "type": "item_changed", "item_id": view.id, "code": view.code,
            "department_id": view.department_id, "active": active,
            "guide_complete": complete, "at": now,
        }),
    };
    crate::cases::events::append(c, actor.id, actor.role.as_str(), now, vec![event]).await?;
    if active {
        crate::public::guide::publish_version(c, view, now).await?;
    }
    Ok(())
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.create_item", db.operation = "catalogue.create_item"))]
pub async fn create_item(
    db: &DatabaseConnection,
    actor: &AuthUser,
    guard: &TimeLimitGuard,
    now: DateTime<Utc>,
    input: ItemInput,
) -> Result<Item, ApiError> {
    may_write_item(actor, guard, input.department_id)?;
    guard.check(actor, None, &TimeLimits::of_input(&input))?;
    ApiError::validation_all(rules::item(&input))?;
    let txn = db.begin().await?;
    item_refs(&txn, &input).await?;
    item_code_free(&txn, &input.code, None).await?;
    let mut am = item::ActiveModel {
        created_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    };
    fill_item(&mut am, input, now);
    let view = item_view(am.insert(&txn).await?)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("create", "item", view.id).after(&view),
    )
    .await?;
    append_item_changed(&txn, actor, now, &view, true).await?;
    publish_powers(&txn, actor, now, None, view.power_id).await?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.update_item", db.operation = "catalogue.update_item"))]
pub async fn update_item(
    db: &DatabaseConnection,
    actor: &AuthUser,
    guard: &TimeLimitGuard,
    now: DateTime<Utc>,
    id: i32,
    input: ItemInput,
) -> Result<Item, ApiError> {
    let txn = db.begin().await?;
    let current = get_item_row(&txn, id).await?;
    may_write_item(actor, guard, current.department_id)?;
    may_write_item(actor, guard, input.department_id)?;
    guard.check(
        actor,
        Some(&TimeLimits::of_item(&item_view(current.clone())?)),
        &TimeLimits::of_input(&input),
    )?;
    ApiError::validation_all(rules::item(&input))?;
    if current.deleted_at.is_some() {
        return Err(ApiError::conflict(
            "deleted",
            format!("item {id} has been deleted"),
        ));
    }
    item_refs(&txn, &input).await?;
    item_code_free(&txn, &input.code, Some(id)).await?;
    let before = item_view(current.clone())?;
    let mut am = current.into_active_model();
    fill_item(&mut am, input, now);
    let view = item_view(am.update(&txn).await?)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("update", "item", id)
            .before(&before)
            .after(&view),
    )
    .await?;
    append_item_changed(&txn, actor, now, &view, true).await?;
    publish_powers(&txn, actor, now, before.power_id, view.power_id).await?;
    txn.commit().await?;
    Ok(view)
}

/// How many rows of `E` match `cond` (references to a row about to be deleted).
async fn count_of<E: EntityTrait, C: ConnectionTrait>(
    c: &C,
    cond: impl sea_orm::sea_query::IntoCondition,
) -> Result<u64, ApiError>
where
    E::Model: Sync,
{
    Ok(E::find().filter(cond).count(c).await?)
}

/// Records of cases and e-supervision that name department `id`: branches, cards, claims
/// and complaints assigned to it. Any of them keeps the department as a soft-deleted row.
async fn department_case_refs<C: ConnectionTrait>(c: &C, id: i32) -> Result<u64, ApiError> {
    Ok(
        count_of::<branch::Entity, _>(c, branch::Column::DepartmentId.eq(id)).await?
            + count_of::<card::Entity, _>(c, card::Column::DepartmentId.eq(id)).await?
            + count_of::<claim::Entity, _>(c, claim::Column::DepartmentId.eq(id)).await?
            + count_of::<complaint::Entity, _>(c, complaint::Column::AssignedDepartmentId.eq(id))
                .await?,
    )
}

/// Items referenced by a bundle, a case (as its single item), a branch or a claim are
/// soft-deleted: a case's history can never lose the item it was decided on.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.delete_item", db.operation = "catalogue.delete_item"))]
pub async fn delete_item(
    db: &DatabaseConnection,
    actor: &AuthUser,
    guard: &TimeLimitGuard,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Deleted, ApiError> {
    let txn = db.begin().await?;
    let current = get_item_row(&txn, id).await?;
    may_write_item(actor, guard, current.department_id)?;
    let refs = count_of::<bundle_item::Entity, _>(&txn, bundle_item::Column::ItemId.eq(id)).await?
        + count_of::<case::Entity, _>(&txn, case::Column::ItemId.eq(id)).await?
        + count_of::<branch::Entity, _>(&txn, branch::Column::ItemId.eq(id)).await?
        + count_of::<claim::Entity, _>(&txn, claim::Column::ItemId.eq(id)).await?;
    let before = item_view(current.clone())?;
    // A linked item that leaves the catalogue leaves its power's `item_ids`.
    let linked = current.power_id.filter(|_| current.deleted_at.is_none());
    let soft = refs > 0;
    if soft {
        if current.deleted_at.is_none() {
            let mut am = current.into_active_model();
            am.deleted_at = Set(Some(now));
            am.updated_at = Set(now);
            am.update(&txn).await?;
        }
    } else {
        item::Entity::delete_by_id(id).exec(&txn).await?;
        // An item never referenced takes its guide versions with it.
        crate::entities::item_version::Entity::delete_many()
            .filter(crate::entities::item_version::Column::ItemId.eq(id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        now,
        Change::new(if soft { "soft_delete" } else { "delete" }, "item", id).before(&before),
    )
    .await?;
    append_item_changed(&txn, actor, now, &before, false).await?;
    publish_powers(&txn, actor, now, linked, None).await?;
    txn.commit().await?;
    Ok(deleted(id, soft))
}

// ---------------- bundles ----------------

async fn bundle_view<C: ConnectionTrait>(c: &C, m: bundle::Model) -> Result<Bundle, ApiError> {
    let links = bundle_item::Entity::find()
        .filter(bundle_item::Column::BundleId.eq(m.id))
        .order_by_asc(bundle_item::Column::Stage)
        .order_by_asc(bundle_item::Column::Position)
        .all(c)
        .await?;
    let ids: Vec<i32> = links.iter().map(|l| l.item_id).collect();
    let items: HashMap<i32, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(ids))
        .all(c)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut stages: Vec<Stage> = Vec::new();
    for l in links {
        let Some(i) = items.get(&l.item_id) else {
            continue;
        };
        let r = BundleItemRef {
            id: i.id,
            code: i.code.clone(),
            name: i.name.clone(),
            department_id: i.department_id,
        };
        match stages.last_mut() {
            Some(s) if s.stage == l.stage => s.items.push(r),
            _ => stages.push(Stage {
                stage: l.stage,
                items: vec![r],
            }),
        }
    }
    let join_policy: JoinPolicy = stored_enum(&m.join_policy, "join_policy")?;
    Ok(Bundle {
        id: m.id,
        code: m.code,
        name: m.name,
        description: m.description,
        lead_department_id: m.lead_department_id,
        promised_limit_days: m.promised_limit_days,
        join_policy,
        stages,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

pub struct BundleFilter {
    pub lead_department_id: Option<i32>,
    pub include_deleted: bool,
}

pub async fn list_bundles(
    db: &DatabaseConnection,
    f: BundleFilter,
    page: PageRequest,
) -> Result<Page<Bundle>, ApiError> {
    let mut q = bundle::Entity::find();
    if let Some(d) = f.lead_department_id {
        q = q.filter(bundle::Column::LeadDepartmentId.eq(d));
    }
    if !f.include_deleted {
        q = q.filter(bundle::Column::DeletedAt.is_null());
    }
    let rows = page_query(q, bundle::Column::Id, &page).all(db).await?;
    let more = rows.len() as u64 > page.limit;
    let mut items = Vec::new();
    for r in rows.into_iter().take(page.limit as usize) {
        items.push(bundle_view(db, r).await?);
    }
    let next_cursor = if more {
        items
            .last()
            .map(|b| platform::pagination::encode_cursor(b.id as i64))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

async fn get_bundle_row<C: ConnectionTrait>(c: &C, id: i32) -> Result<bundle::Model, ApiError> {
    bundle::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("bundle", id))
}

pub async fn get_bundle(db: &DatabaseConnection, id: i32) -> Result<Bundle, ApiError> {
    let m = get_bundle_row(db, id).await?;
    bundle_view(db, m).await
}

/// Resolve the stages' item codes to live items, naming the first unknown one by its position,
/// and check that the overall promise fits inside the statutory limits of the stages.
async fn resolve_stages<C: ConnectionTrait>(
    c: &C,
    input: &BundleInput,
) -> Result<Vec<(i32, i32, i32)>, ApiError> {
    let codes: Vec<&String> = input.stages.iter().flatten().collect();
    let found: HashMap<String, item::Model> = item::Entity::find()
        .filter(item::Column::Code.is_in(codes.iter().map(|s| s.as_str())))
        .all(c)
        .await?
        .into_iter()
        .map(|i| (i.code.clone(), i))
        .collect();
    let mut errs = Vec::new();
    let mut links = Vec::new();
    let mut statutory_sum = 0i64;
    for (s, stage) in input.stages.iter().enumerate() {
        let mut stage_max = 0i64;
        for (n, code) in stage.iter().enumerate() {
            match found.get(code) {
                Some(i) if i.deleted_at.is_none() => {
                    stage_max = stage_max.max(i.statutory_limit_days as i64);
                    links.push((i.id, s as i32 + 1, n as i32));
                }
                Some(_) => errs.push(FieldError::new(
                    format!("stages[{s}][{n}]"),
                    format!("item `{code}` has been deleted"),
                )),
                None => errs.push(FieldError::new(
                    format!("stages[{s}][{n}]"),
                    format!("unknown item `{code}`"),
                )),
            }
        }
        statutory_sum += stage_max;
    }
    ApiError::validation_all(errs)?;
    if input.promised_limit_days > statutory_sum {
        return Err(ApiError::validation(
            "promised_limit_days",
            format!(
                "the bundle promises {} days but its stages' statutory limits allow at most {statutory_sum}",
                input.promised_limit_days
            ),
        ));
    }
    Ok(links)
}

async fn bundle_code_free<C: ConnectionTrait>(
    c: &C,
    code: &str,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let mut q = bundle::Entity::find().filter(bundle::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(bundle::Column::Id.ne(id));
    }
    if q.count(c).await? > 0 {
        return Err(ApiError::conflict_on(
            "duplicate_code",
            "code",
            format!("bundle code `{code}` is already used"),
        ));
    }
    Ok(())
}

async fn write_links<C: ConnectionTrait>(
    c: &C,
    bundle_id: i32,
    links: Vec<(i32, i32, i32)>,
) -> Result<(), ApiError> {
    bundle_item::Entity::delete_many()
        .filter(bundle_item::Column::BundleId.eq(bundle_id))
        .exec(c)
        .await?;
    for (item_id, stage, position) in links {
        bundle_item::ActiveModel {
            bundle_id: Set(bundle_id),
            item_id: Set(item_id),
            stage: Set(stage),
            position: Set(position),
            ..Default::default()
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.create_bundle", db.operation = "catalogue.create_bundle"))]
pub async fn create_bundle(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: BundleInput,
) -> Result<Bundle, ApiError> {
    ApiError::validation_all(rules::bundle(&input))?;
    let txn = db.begin().await?;
    department_ref(&txn, input.lead_department_id, "lead_department_id").await?;
    let links = resolve_stages(&txn, &input).await?;
    bundle_code_free(&txn, &input.code, None).await?;
    let m = bundle::ActiveModel {
        code: Set(input.code),
        name: Set(input.name),
        description: Set(input.description),
        lead_department_id: Set(input.lead_department_id),
        promised_limit_days: Set(input.promised_limit_days as i32),
        join_policy: Set(input.join_policy.as_str().into()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_links(&txn, m.id, links).await?;
    let view = bundle_view(&txn, m).await?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("create", "bundle", view.id).after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.update_bundle", db.operation = "catalogue.update_bundle"))]
pub async fn update_bundle(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: BundleInput,
) -> Result<Bundle, ApiError> {
    ApiError::validation_all(rules::bundle(&input))?;
    let txn = db.begin().await?;
    let current = get_bundle_row(&txn, id).await?;
    if current.deleted_at.is_some() {
        return Err(ApiError::conflict(
            "deleted",
            format!("bundle {id} has been deleted"),
        ));
    }
    department_ref(&txn, input.lead_department_id, "lead_department_id").await?;
    let links = resolve_stages(&txn, &input).await?;
    bundle_code_free(&txn, &input.code, Some(id)).await?;
    let before = bundle_view(&txn, current.clone()).await?;
    let mut am = current.into_active_model();
    am.code = Set(input.code);
    am.name = Set(input.name);
    am.description = Set(input.description);
    am.lead_department_id = Set(input.lead_department_id);
    am.promised_limit_days = Set(input.promised_limit_days as i32);
    am.join_policy = Set(input.join_policy.as_str().into());
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    write_links(&txn, id, links).await?;
    let view = bundle_view(&txn, m).await?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("update", "bundle", id)
            .before(&before)
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// A bundle that cases were accepted on is soft-deleted with its stage links kept (the cases
/// still run and read their stages); one that no case names is removed with its links.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.delete_bundle", db.operation = "catalogue.delete_bundle"))]
pub async fn delete_bundle(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Deleted, ApiError> {
    let txn = db.begin().await?;
    let current = get_bundle_row(&txn, id).await?;
    let before = bundle_view(&txn, current.clone()).await?;
    let soft = count_of::<case::Entity, _>(&txn, case::Column::BundleId.eq(id)).await? > 0;
    if soft {
        if current.deleted_at.is_none() {
            let mut am = current.into_active_model();
            am.deleted_at = Set(Some(now));
            am.updated_at = Set(now);
            am.update(&txn).await?;
        }
    } else {
        bundle_item::Entity::delete_many()
            .filter(bundle_item::Column::BundleId.eq(id))
            .exec(&txn)
            .await?;
        bundle::Entity::delete_by_id(id).exec(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        now,
        Change::new(if soft { "soft_delete" } else { "delete" }, "bundle", id).before(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(deleted(id, soft))
}

// ---------------- users ----------------

pub fn user_view(m: user::Model) -> Result<User, ApiError> {
    Ok(User {
        id: m.id,
        role: m.role.parse().map_err(ApiError::Internal)?,
        username: m.username,
        display_name: m.display_name,
        email: m.email,
        department_id: m.department_id,
        active: m.active,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

pub struct UserFilter {
    pub role: Option<Role>,
    pub department_id: Option<i32>,
    pub include_deleted: bool,
}

pub async fn list_users(
    db: &DatabaseConnection,
    f: UserFilter,
    page: PageRequest,
) -> Result<Page<User>, ApiError> {
    let mut q = user::Entity::find();
    if let Some(r) = f.role {
        q = q.filter(user::Column::Role.eq(r.as_str()));
    }
    if let Some(d) = f.department_id {
        q = q.filter(user::Column::DepartmentId.eq(d));
    }
    if !f.include_deleted {
        q = q.filter(user::Column::DeletedAt.is_null());
    }
    let rows = page_query(q, user::Column::Id, &page).all(db).await?;
    page.try_page(rows, |r| r.id as i64, user_view)
}

pub async fn get_user_row<C: ConnectionTrait>(c: &C, id: i32) -> Result<user::Model, ApiError> {
    user::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("user", id))
}

pub async fn find_user_by_name(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<user::Model>, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.create_user", db.operation = "catalogue.create_user"))]
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: UserInput,
) -> Result<User, ApiError> {
    ApiError::validation_all(rules::user(&input))?;
    let hash = hash_password(&input.password)?;
    let txn = db.begin().await?;
    if let Some(d) = input.department_id {
        department_ref(&txn, d, "department_id").await?;
    }
    if user::Entity::find()
        .filter(user::Column::Username.eq(&input.username))
        .count(&txn)
        .await?
        > 0
    {
        return Err(ApiError::conflict_on(
            "duplicate_username",
            "username",
            format!("username `{}` is taken", input.username),
        ));
    }
    let m = user::ActiveModel {
        username: Set(input.username),
        display_name: Set(input.display_name),
        email: Set(input.email),
        role: Set(input.role.as_str().into()),
        department_id: Set(input.department_id),
        password_hash: Set(hash),
        password_changed_at: Set(Some(now)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = user_view(m)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("create", "user", view.id).after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Set a user's own new password (already checked against the rule): the replaced hash joins
/// the history, the age restarts.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.set_password", db.operation = "catalogue.set_password"))]
pub async fn set_password(
    db: &DatabaseConnection,
    u: &user::Model,
    now: DateTime<Utc>,
    password: &str,
) -> Result<(), ApiError> {
    let hash = hash_password(password)?;
    let txn = db.begin().await?;
    crate::entities::password_history::ActiveModel {
        user_id: Set(u.id),
        password_hash: Set(u.password_hash.clone()),
        replaced_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut am = u.clone().into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Some(now));
    am.updated_at = Set(now);
    am.update(&txn).await?;
    // A new password ends every session of the account.
    crate::sessions::bump_version(&txn, u.id).await?;
    txn.commit().await?;
    Ok(())
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.update_user", db.operation = "catalogue.update_user"))]
pub async fn update_user(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: UserUpdate,
) -> Result<User, ApiError> {
    ApiError::validation_all(rules::user_update(&input))?;
    let hash = match &input.password {
        Some(p) => Some(hash_password(p)?),
        None => None,
    };
    let txn = db.begin().await?;
    let current = get_user_row(&txn, id).await?;
    if current.deleted_at.is_some() {
        return Err(ApiError::conflict(
            "deleted",
            format!("user {id} has been deleted"),
        ));
    }
    if let Some(d) = input.department_id {
        department_ref(&txn, d, "department_id").await?;
    }
    if id == actor.id && (input.role.as_str() != current.role || !input.active) {
        return Err(ApiError::conflict(
            "self_lockout",
            "nobody changes their own role or deactivates themselves",
        ));
    }
    let current_role: Role = current
        .role
        .parse()
        .map_err(|e: String| ApiError::Internal(format!("user {id}: {e}")))?;
    crate::login::duties::may_update(
        actor.role,
        crate::login::duties::AccountChange {
            current_role,
            new_role: input.role,
            // The department goes with the role (a clerk placed as a department's reviewer),
            // so it may change with it; nothing else may.
            other_fields: input.display_name != current.display_name
                || input.email != current.email
                || (input.role == current_role && input.department_id != current.department_id)
                || input.active != current.active
                || hash.is_some(),
        },
    )?;
    let before = user_view(current.clone())?;
    let before_hash = current.password_hash.clone();
    // What ends the user's sessions: the role, the department or the active flag changes, or
    // a new password.
    let ends_sessions = current.role != input.role.as_str()
        || current.department_id != input.department_id
        || current.active != input.active
        || hash.is_some();
    let mut am = current.into_active_model();
    am.display_name = Set(input.display_name);
    am.email = Set(input.email);
    am.role = Set(input.role.as_str().into());
    am.department_id = Set(input.department_id);
    am.active = Set(input.active);
    if let Some(h) = hash {
        // The replaced hash joins the history (a new password may not reuse it).
        crate::entities::password_history::ActiveModel {
            user_id: Set(id),
            password_hash: Set(before_hash.clone()),
            replaced_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        am.password_hash = Set(h);
        am.password_changed_at = Set(Some(now));
    }
    am.updated_at = Set(now);
    let view = user_view(am.update(&txn).await?)?;
    if ends_sessions {
        crate::sessions::bump_version(&txn, id).await?;
    }
    audit::record(
        &txn,
        actor,
        now,
        Change::new("update", "user", id)
            .before(&before)
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Users are never removed: the audit trail and, later, case events name them.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction catalogue.delete_user", db.operation = "catalogue.delete_user"))]
pub async fn delete_user(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Deleted, ApiError> {
    if id == actor.id {
        return Err(ApiError::conflict(
            "self_lockout",
            "nobody retires their own account",
        ));
    }
    let txn = db.begin().await?;
    let current = get_user_row(&txn, id).await?;
    let before = user_view(current.clone())?;
    crate::login::duties::may_retire(actor.role, before.role)?;
    if current.deleted_at.is_none() {
        user::Entity::update_many()
            .col_expr(user::Column::DeletedAt, Expr::value(Some(now)))
            .col_expr(user::Column::Active, Expr::value(false))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        crate::sessions::bump_version(&txn, id).await?;
    }
    audit::record(
        &txn,
        actor,
        now,
        Change::new("soft_delete", "user", id).before(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(deleted(id, true))
}
