//! The service guide (办事指南) as the public reads it: active items with all their elements
//! and whether the guide is complete, active bundles with their stages, and the search over
//! them. Only rows that are not soft-deleted are ever shown; an unknown or deleted code is a
//! 404 like any other.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::pagination::{Page, PageRequest};
use platform::ApiError;
use sea_orm::sea_query::{Expr, LikeExpr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::model::{
    FlowStep, Item, ItemCategory, ItemKind, LimitUnit, Material, StepRole,
};
use crate::catalogue::{rules, store};
use crate::entities::{bundle, bundle_item, department, item, item_version};

/// The longest search text accepted (`q`), in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// A department as the public sees it: its id and name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicDepartment {
    pub id: i32,
    pub name: String,
}

/// An approval item (事项) with all its elements, as published in the guide.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicItem {
    /// 事项编码.
    pub code: String,
    /// 事项分类.
    pub category: ItemCategory,
    /// The category in Chinese, e.g. `行政许可`.
    pub category_label: String,
    /// 事项名称.
    pub name: String,
    /// 行使依据.
    pub legal_basis: String,
    /// 办理主体.
    pub department: PublicDepartment,
    /// 法定期限, in `limit_unit`.
    pub statutory_limit_days: i32,
    /// 承诺期限, in `limit_unit`; 0 for an instant item.
    pub promised_limit_days: i32,
    pub limit_unit: LimitUnit,
    /// The unit in Chinese: `工作日` or `自然日`.
    pub limit_unit_label: String,
    /// 办理地点.
    pub location: String,
    /// 申报资料: `required` = 必要, `tolerance_allowed` = 容缺 (may be delivered later).
    pub materials: Vec<Material>,
    /// 收费标准.
    pub fee_standard: String,
    /// 收费依据.
    pub fee_basis: String,
    /// Fee per application in fen (分).
    pub fee_amount_cents: i64,
    /// 即办件 (`instant`) or 承诺件 (`promised`).
    pub kind: ItemKind,
    pub kind_label: String,
    /// 办结方式.
    pub completion_method: String,
    /// 批后监管科室, when the item names one.
    pub supervising_department: Option<PublicDepartment>,
    /// 监督方式.
    pub supervision_method: String,
    /// 办理流程.
    pub flow_steps: Vec<FlowStep>,
    /// When the item was last changed (最后更新).
    pub updated_at: DateTime<Utc>,
    /// Every element a guide needs is filled (name, legal basis, place, supervision and
    /// completion methods, a material, a fee basis when a fee is charged, an active handling
    /// department, a flow of at least one step).
    pub guide_complete: bool,
    /// The guide version this text is (1, 2, …; every edit of the item publishes a new one).
    /// Its stable address is `/public/guide/items/{code}/v/{version}` (JSON:
    /// `/v1/public/items/{code}/versions/{version}`).
    #[serde(default)]
    pub version: i32,
    /// The item's current guide version; greater than `version` when this text has been
    /// superseded.
    #[serde(default)]
    pub current_version: i32,
}

/// One published version of an item's guide, as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicItemVersion {
    pub version: i32,
    /// From when the public read this version.
    pub published_at: DateTime<Utc>,
    /// Its stable page.
    pub url: String,
}

/// An item of a bundle's stage, linking to its own guide.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicBundleItem {
    pub code: String,
    pub name: String,
    pub department: PublicDepartment,
    /// The item is still handled (not deleted); a deleted one has no guide of its own.
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicStage {
    /// 1-based; a later stage starts when the earlier one is approved (前置审批).
    pub stage: i32,
    pub items: Vec<PublicBundleItem>,
}

/// A parallel bundle (并联套餐) as published in the guide.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicBundle {
    pub code: String,
    pub name: String,
    pub description: String,
    /// 牵头部门.
    pub lead_department: PublicDepartment,
    /// The whole bundle's promised limit, working days.
    pub promised_limit_days: i32,
    pub stages: Vec<PublicStage>,
    pub updated_at: DateTime<Utc>,
}

/// The guide's search: a name substring, a handling department, a category.
#[derive(Debug, Clone, Default)]
pub struct GuideFilter {
    pub q: Option<String>,
    pub department_id: Option<i32>,
    pub category: Option<ItemCategory>,
}

impl GuideFilter {
    /// Refuse a search text that is too long (422 on `q`); blank filters are no filters.
    pub fn checked(mut self) -> Result<Self, ApiError> {
        self.q = self
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
        if let Some(q) = &self.q {
            if q.chars().count() > MAX_QUERY_CHARS {
                return Err(ApiError::validation(
                    "q",
                    format!("at most {MAX_QUERY_CHARS} characters"),
                ));
            }
        }
        Ok(self)
    }
}

pub fn category_label(c: ItemCategory) -> &'static str {
    match c {
        ItemCategory::AdministrativeLicensing => "行政许可",
        ItemCategory::AdministrativeConfirmation => "行政确认",
        ItemCategory::AdministrativePayment => "行政给付",
        ItemCategory::AdministrativeLevy => "行政征收",
        ItemCategory::AdministrativeReward => "行政奖励",
        ItemCategory::AdministrativeAdjudication => "行政裁决",
        ItemCategory::OtherAdministrativePower => "其他行政权力",
        ItemCategory::PublicService => "公共服务",
    }
}

pub const CATEGORIES: [ItemCategory; 8] = [
    ItemCategory::AdministrativeLicensing,
    ItemCategory::AdministrativeConfirmation,
    ItemCategory::AdministrativePayment,
    ItemCategory::AdministrativeLevy,
    ItemCategory::AdministrativeReward,
    ItemCategory::AdministrativeAdjudication,
    ItemCategory::OtherAdministrativePower,
    ItemCategory::PublicService,
];

pub fn kind_label(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Instant => "即办件",
        ItemKind::Promised => "承诺件",
    }
}

pub fn unit_label(u: LimitUnit) -> &'static str {
    match u {
        LimitUnit::WorkingDays => "工作日",
        LimitUnit::NaturalDays => "自然日",
    }
}

pub fn role_label(r: StepRole) -> &'static str {
    match r {
        StepRole::Reviewer => "经办人审查（一审）",
        StepRole::Approver => "首席代表审批（一核）",
    }
}

/// `LIKE` pattern for a substring, with `%`, `_` and the escape character itself escaped.
fn contains_pattern(q: &str) -> LikeExpr {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    LikeExpr::new(p).escape('\\')
}

/// Every department by id (deleted ones too: an old record may name one).
pub async fn departments<C: ConnectionTrait>(
    c: &C,
) -> Result<HashMap<i32, department::Model>, ApiError> {
    Ok(department::Entity::find()
        .all(c)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

/// The departments the public may filter by: the active ones, by name.
pub async fn active_departments<C: ConnectionTrait>(
    c: &C,
) -> Result<Vec<PublicDepartment>, ApiError> {
    Ok(department::Entity::find()
        .filter(department::Column::DeletedAt.is_null())
        .order_by_asc(department::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(|d| PublicDepartment {
            id: d.id,
            name: d.name,
        })
        .collect())
}

fn public_department(names: &HashMap<i32, department::Model>, id: i32) -> PublicDepartment {
    PublicDepartment {
        id,
        name: names
            .get(&id)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| format!("部门 {id}")),
    }
}

/// The published view of an item.
pub fn public_item(i: Item, names: &HashMap<i32, department::Model>) -> PublicItem {
    let department_active = names
        .get(&i.department_id)
        .is_some_and(|d| d.deleted_at.is_none());
    let guide_complete = rules::guide_complete(&i, department_active);
    PublicItem {
        category_label: category_label(i.category).into(),
        limit_unit_label: unit_label(i.limit_unit).into(),
        kind_label: kind_label(i.kind).into(),
        department: public_department(names, i.department_id),
        supervising_department: i
            .post_approval_department_id
            .map(|d| public_department(names, d)),
        code: i.code,
        category: i.category,
        name: i.name,
        legal_basis: i.legal_basis,
        statutory_limit_days: i.statutory_limit_days,
        promised_limit_days: i.promised_limit_days,
        limit_unit: i.limit_unit,
        location: i.location,
        materials: i.materials,
        fee_standard: i.fee_standard,
        fee_basis: i.fee_basis,
        fee_amount_cents: i.fee_amount_cents,
        kind: i.kind,
        completion_method: i.completion_method,
        supervision_method: i.supervision_method,
        flow_steps: i.flow_steps,
        updated_at: i.updated_at,
        guide_complete,
        version: 0,
        current_version: 0,
    }
}

/// The stable page of one guide version.
pub fn version_url(code: &str, version: i32) -> String {
    format!(
        "/public/guide/items/{}/v/{version}",
        crate::public::render::url_encode(code)
    )
}

/// The current guide version of each of these items (0 for an item without one yet).
async fn current_versions<C: ConnectionTrait>(
    c: &C,
    item_ids: Vec<i32>,
) -> Result<HashMap<i32, i32>, ApiError> {
    if item_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, Option<i32>)> = item_version::Entity::find()
        .select_only()
        .column(item_version::Column::ItemId)
        .column_as(item_version::Column::Version.max(), "v")
        .filter(item_version::Column::ItemId.is_in(item_ids))
        .group_by(item_version::Column::ItemId)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, v)| (id, v.unwrap_or(0)))
        .collect())
}

/// Publish the next guide version of an item as it now is (called in the transaction that
/// created or changed it, after the write, so concurrent edits of one item — serialised by
/// the item row's lock — number their versions one after the other).
pub async fn publish_version<C: ConnectionTrait>(
    c: &C,
    view: &Item,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    let next = current_versions(c, vec![view.id])
        .await?
        .get(&view.id)
        .copied()
        .unwrap_or(0)
        + 1;
    let names = departments(c).await?;
    let mut published = public_item(view.clone(), &names);
    published.version = next;
    published.current_version = next;
    item_version::ActiveModel {
        item_id: Set(view.id),
        version: Set(next),
        snapshot: Set(crate::catalogue::versions::snapshot(&published)?),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(next)
}

/// Give version 1 to every item that has none (items created before guide versions were
/// kept), from the item as it now is, dated by its last change. Idempotent, and safe when two
/// replicas start at once (the second insert of a version is skipped by the unique key).
pub async fn backfill_versions<C: ConnectionTrait>(c: &C) -> Result<u64, ApiError> {
    let rows = item::Entity::find()
        .filter(item::Column::DeletedAt.is_null())
        .all(c)
        .await?;
    let have = current_versions(c, rows.iter().map(|r| r.id).collect()).await?;
    let names = departments(c).await?;
    let mut added = 0;
    for r in rows.into_iter().filter(|r| !have.contains_key(&r.id)) {
        let (id, at) = (r.id, r.updated_at);
        let mut published = public_item(store::item_view(r)?, &names);
        published.version = 1;
        published.current_version = 1;
        let am = item_version::ActiveModel {
            item_id: Set(id),
            version: Set(1),
            snapshot: Set(crate::catalogue::versions::snapshot(&published)?),
            published_at: Set(at),
            ..Default::default()
        };
        let inserted = item_version::Entity::insert(am)
            .on_conflict(
                OnConflict::columns([item_version::Column::ItemId, item_version::Column::Version])
                    .do_nothing()
                    .to_owned(),
            )
            .do_nothing()
            .exec(c)
            .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            added += 1;
        }
    }
    Ok(added)
}

/// Active items matching the filter, by id, one page.
pub async fn search_items(
    db: &DatabaseConnection,
    f: &GuideFilter,
    page: PageRequest,
) -> Result<Page<PublicItem>, ApiError> {
    let mut q = item::Entity::find().filter(item::Column::DeletedAt.is_null());
    if let Some(text) = &f.q {
        q = q.filter(Expr::col(item::Column::Name).like(contains_pattern(text)));
    }
    if let Some(d) = f.department_id {
        q = q.filter(item::Column::DepartmentId.eq(d));
    }
    if let Some(c) = f.category {
        q = q.filter(item::Column::Category.eq(c.as_str()));
    }
    if let Some(after) = page.after_id {
        q = q.filter(item::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(item::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let names = departments(db).await?;
    let versions = current_versions(db, rows.iter().map(|r| r.id).collect()).await?;
    let mut items = Vec::new();
    let mut ids = Vec::new();
    for r in rows {
        ids.push(r.id as i64);
        let v = versions.get(&r.id).copied().unwrap_or(0);
        let mut i = public_item(store::item_view(r)?, &names);
        (i.version, i.current_version) = (v, v);
        items.push(i);
    }
    let paged = page.page(
        ids.into_iter().zip(items).collect(),
        |(id, _)| *id,
        |(_, i)| i,
    );
    Ok(paged)
}

/// Active bundles matching the filter (name substring, lead department); none when a
/// category is asked for (bundles have none).
pub async fn search_bundles(
    db: &DatabaseConnection,
    f: &GuideFilter,
) -> Result<Vec<PublicBundle>, ApiError> {
    if f.category.is_some() {
        return Ok(Vec::new());
    }
    let mut q = bundle::Entity::find().filter(bundle::Column::DeletedAt.is_null());
    if let Some(text) = &f.q {
        q = q.filter(Expr::col(bundle::Column::Name).like(contains_pattern(text)));
    }
    if let Some(d) = f.department_id {
        q = q.filter(bundle::Column::LeadDepartmentId.eq(d));
    }
    let rows = q
        .order_by_asc(bundle::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let names = departments(db).await?;
    let mut out = Vec::new();
    for b in rows {
        out.push(public_bundle(db, b, &names).await?);
    }
    Ok(out)
}

/// The active item with this code (404 `not_found` otherwise).
async fn active_item_row(db: &DatabaseConnection, code: &str) -> Result<item::Model, ApiError> {
    item::Entity::find()
        .filter(item::Column::Code.eq(code))
        .filter(item::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("item", code))
}

/// The active item with this code, as it is now (404 `not_found` otherwise).
pub async fn item_by_code(db: &DatabaseConnection, code: &str) -> Result<PublicItem, ApiError> {
    let row = active_item_row(db, code).await?;
    let v = current_versions(db, vec![row.id])
        .await?
        .get(&row.id)
        .copied()
        .unwrap_or(0);
    let names = departments(db).await?;
    let mut i = public_item(store::item_view(row)?, &names);
    (i.version, i.current_version) = (v, v);
    Ok(i)
}

/// One published version of an active item's guide, exactly as it was published; 404
/// `not_found` for an unknown, deleted or unpublished item and for a version it never had.
pub async fn item_version_by_code(
    db: &DatabaseConnection,
    code: &str,
    version: i32,
) -> Result<PublicItem, ApiError> {
    let row = active_item_row(db, code).await?;
    let stored = item_version::Entity::find()
        .filter(item_version::Column::ItemId.eq(row.id))
        .filter(item_version::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("item version", format!("{code} v{version}")))?;
    let mut i: PublicItem = serde_json::from_str(&stored.snapshot).map_err(|e| {
        ApiError::Internal(format!("stored guide of item {} v{version}: {e}", row.id))
    })?;
    i.version = version;
    i.current_version = current_versions(db, vec![row.id])
        .await?
        .get(&row.id)
        .copied()
        .unwrap_or(version);
    Ok(i)
}

/// Every published version of an active item's guide, newest first (404 as for the item).
pub async fn item_versions(
    db: &DatabaseConnection,
    code: &str,
) -> Result<Vec<PublicItemVersion>, ApiError> {
    let row = active_item_row(db, code).await?;
    Ok(item_version::Entity::find()
        .filter(item_version::Column::ItemId.eq(row.id))
        .order_by_desc(item_version::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|v| PublicItemVersion {
            version: v.version,
            published_at: v.published_at,
            url: version_url(&row.code, v.version),
        })
        .collect())
}

async fn public_bundle(
    db: &DatabaseConnection,
    b: bundle::Model,
    names: &HashMap<i32, department::Model>,
) -> Result<PublicBundle, ApiError> {
    let links = bundle_item::Entity::find()
        .filter(bundle_item::Column::BundleId.eq(b.id))
        .order_by_asc(bundle_item::Column::Stage)
        .order_by_asc(bundle_item::Column::Position)
        .all(db)
        .await?;
    let ids: Vec<i32> = links.iter().map(|l| l.item_id).collect();
    let items: HashMap<i32, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut stages: Vec<PublicStage> = Vec::new();
    for l in links {
        let Some(i) = items.get(&l.item_id) else {
            continue;
        };
        let r = PublicBundleItem {
            code: i.code.clone(),
            name: i.name.clone(),
            department: public_department(names, i.department_id),
            active: i.deleted_at.is_none(),
        };
        match stages.last_mut() {
            Some(s) if s.stage == l.stage => s.items.push(r),
            _ => stages.push(PublicStage {
                stage: l.stage,
                items: vec![r],
            }),
        }
    }
    Ok(PublicBundle {
        lead_department: public_department(names, b.lead_department_id),
        code: b.code,
        name: b.name,
        description: b.description,
        promised_limit_days: b.promised_limit_days,
        stages,
        updated_at: b.updated_at,
    })
}

/// The active bundle with this code (404 `not_found` otherwise).
pub async fn bundle_by_code(db: &DatabaseConnection, code: &str) -> Result<PublicBundle, ApiError> {
    let row = bundle::Entity::find()
        .filter(bundle::Column::Code.eq(code))
        .filter(bundle::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("bundle", code))?;
    let names = departments(db).await?;
    public_bundle(db, row, &names).await
}
