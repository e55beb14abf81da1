//! The staff register (窗口工作人员): who works at which department's window in the hall, in
//! which post, from which day to which day, and which user account is theirs. Accountability
//! needs a person: a complaint finding names the staff member it was about, and the staff of a
//! department on a given day are those whose assignment covers that day.
//!
//! Every write is one transaction: the row, a history row with the full snapshot
//! (`staff_versions`), the audit record and a `staff_changed` feed event (`case_id` 0: a fact
//! of the hall, not of a case). A user account is linked to at most one assignment at a time
//! (409 `user_already_staff` when two would overlap), and a department-scoped account
//! (reviewer, approver) only to staff of its own department (422 `user_department_mismatch`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use platform::auth::{AuthUser, Role};
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Change};
use crate::cases::events::{self, NewEvent};
use crate::catalogue::rules::text;
use crate::catalogue::store::{department_ref, stored_enum};
use crate::catalogue::versions;
use crate::entities::{staff, staff_version, user};

/// The years a date of the register may fall in; anything else is a typo (product default).
pub const YEARS: std::ops::RangeInclusive<i32> = 1949..=2999;

/// The post of a staff member in the hall (岗位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffPost {
    /// 受理员: takes applications at the window.
    Clerk,
    /// 经办人: first review (一审).
    Handler,
    /// 首席代表: the department's signer in the hall (一核).
    ChiefRepresentative,
    /// 窗口负责人: leads the department's window.
    WindowLead,
    /// 其他
    Other,
}

impl StaffPost {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffPost::Clerk => "clerk",
            StaffPost::Handler => "handler",
            StaffPost::ChiefRepresentative => "chief_representative",
            StaffPost::WindowLead => "window_lead",
            StaffPost::Other => "other",
        }
    }
}

/// Create or replace (every field) a staff record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王丽", "department_id": 2, "window_no": "A12", "post": "clerk",
    "assigned_from": "2025-01-01", "assigned_to": null, "user_id": 3
}))]
pub struct StaffInput {
    /// Full name, 1–50 characters.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// The department whose window the person staffs.
    pub department_id: i32,
    /// The window, e.g. `A12` (1–20 characters), if the post has one.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 20)]
    pub window_no: Option<String>,
    pub post: StaffPost,
    /// First day of the assignment, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date, example = "2025-01-01")]
    pub assigned_from: NaiveDate,
    /// Last day of the assignment (inclusive), not before `assigned_from`; absent or null
    /// while it runs.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "2025-12-31")]
    pub assigned_to: Option<NaiveDate>,
    /// The person's user account, if any: linked to one assignment at a time, and for a
    /// reviewer or approver only to staff of the account's own department.
    #[serde(default)]
    pub user_id: Option<i32>,
    /// Why it changed, kept in the history (optional, ≤ 2000 characters).
    #[serde(default)]
    #[schema(nullable = false, max_length = 2000)]
    pub reason: Option<String>,
}

/// A member of the staff register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Staff {
    pub id: i32,
    pub name: String,
    pub department_id: i32,
    pub window_no: Option<String>,
    pub post: StaffPost,
    #[schema(value_type = String, format = Date)]
    pub assigned_from: NaiveDate,
    /// Last day (inclusive); null while the assignment runs.
    #[schema(value_type = Option<String>, format = Date)]
    pub assigned_to: Option<NaiveDate>,
    pub user_id: Option<i32>,
    /// 1 when created, +1 per change; send as `If-Match: "<version>"` with a `PUT`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a staff record (its history).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffVersion {
    pub version: i64,
    /// The record as it was at this version (the `Staff` shape).
    pub snapshot: serde_json::Value,
    /// User id of who made the change (0: the system).
    pub changed_by: i32,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// Whether an assignment from `from` to `to` (inclusive; `None`: open) covers `day`.
pub fn covers(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

/// Whether two assignments share a day.
pub fn overlap(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    b.1.is_none_or(|t| a.0 <= t) && a.1.is_none_or(|t| b.0 <= t)
}

/// Whether staff member `m` is assigned to the hall on `day`.
pub fn assigned_on(m: &staff::Model, day: NaiveDate) -> bool {
    covers(m.assigned_from, m.assigned_to, day)
}

fn year_rule(field: &str, d: NaiveDate, errs: &mut Vec<FieldError>) {
    if !YEARS.contains(&d.year()) {
        errs.push(FieldError::new(
            field,
            format!(
                "must be a date in the years {}–{}",
                YEARS.start(),
                YEARS.end()
            ),
        ));
    }
}

/// Every broken rule of a staff record's input at once, each naming its field.
pub fn rules(s: &StaffInput) -> Vec<FieldError> {
    let mut errs = Vec::new();
    text("name", &s.name, 50, &mut errs);
    if let Some(w) = &s.window_no {
        text("window_no", w, 20, &mut errs);
    }
    year_rule("assigned_from", s.assigned_from, &mut errs);
    if let Some(to) = s.assigned_to {
        year_rule("assigned_to", to, &mut errs);
        if to < s.assigned_from {
            errs.push(FieldError::new(
                "assigned_to",
                format!("must not be before assigned_from ({})", s.assigned_from),
            ));
        }
    }
    versions::reason_rule(&s.reason, &mut errs);
    errs
}

fn view(m: staff::Model) -> Result<Staff, ApiError> {
    Ok(Staff {
        id: m.id,
        post: stored_enum(&m.post, "staff post")?,
        name: m.name,
        department_id: m.department_id,
        window_no: m.window_no,
        assigned_from: m.assigned_from,
        assigned_to: m.assigned_to,
        user_id: m.user_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<staff::Model, ApiError> {
    staff::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("staff", id))
}

/// The feed event of a staff record as it is now: `staff_changed`, `case_id` 0; the envelope's
/// states are the versions before (empty when created) and after.
fn changed_event(s: &Staff, before_version: Option<i64>, now: DateTime<Utc>) -> NewEvent {
    NewEvent {
        case_id: 0,
        branch_id: None,
        kind: "staff_changed".into(),
        from_state: before_version.map(|v| v.to_string()).unwrap_or_default(),
        to_state: s.version.to_string(),
        payload: json!({
            "type": "staff_changed", "staff_id": s.id, "name": s.name,
            "department_id": s.department_id, "window_no": s.window_no, "post": s.post,
            "assigned_from": s.assigned_from, "assigned_to": s.assigned_to,
            "user_id": s.user_id, "version": s.version, "at": now,
        }),
    }
}

/// The linked user account: it exists and is not deleted (422 `user_id`), a department-scoped
/// account belongs to the staff's department (422 `user_department_mismatch`), and no other
/// assignment of it overlaps this one (409 `user_already_staff`). On PostgreSQL the user row is
/// locked first, so two concurrent links of one account cannot both pass.
async fn user_link<C: ConnectionTrait>(
    c: &C,
    input: &StaffInput,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let Some(uid) = input.user_id else {
        return Ok(());
    };
    let mut q = user::Entity::find_by_id(uid);
    if c.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let u = match q.one(c).await? {
        Some(u) if u.deleted_at.is_none() => u,
        Some(_) => {
            return Err(ApiError::validation(
                "user_id",
                format!("user {uid} has been deleted"),
            ))
        }
        None => {
            return Err(ApiError::validation(
                "user_id",
                format!("unknown user {uid}"),
            ))
        }
    };
    let role: Role = u
        .role
        .parse()
        .map_err(|e| ApiError::Internal(format!("stored role of user {uid}: {e}")))?;
    if role.is_department_scoped() && u.department_id != Some(input.department_id) {
        return Err(ApiError::Validation {
            code: "user_department_mismatch",
            errors: vec![FieldError::new(
                "user_id",
                format!(
                    "user {uid} ({}, {role}) belongs to department {}, the staff record to department {}",
                    u.username,
                    u.department_id.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
                    input.department_id
                ),
            )],
        });
    }
    let mut q = staff::Entity::find().filter(staff::Column::UserId.eq(uid));
    if let Some(id) = except {
        q = q.filter(staff::Column::Id.ne(id));
    }
    let mine = (input.assigned_from, input.assigned_to);
    if let Some(other) = q
        .order_by_asc(staff::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .find(|o| overlap(mine, (o.assigned_from, o.assigned_to)))
    {
        return Err(ApiError::conflict_on(
            "user_already_staff",
            "user_id",
            format!(
                "user {uid} is already staff record {} ({}, from {}{}); an account is linked to one assignment at a time",
                other.id,
                other.name,
                other.assigned_from,
                other
                    .assigned_to
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// Every reference of the input, inside the write's transaction.
async fn references<C: ConnectionTrait>(
    c: &C,
    input: &StaffInput,
    except: Option<i32>,
) -> Result<(), ApiError> {
    department_ref(c, input.department_id, "department_id").await?;
    user_link(c, input, except).await
}

fn window_of(input: &StaffInput) -> Option<String> {
    input.window_no.as_ref().map(|w| w.trim().to_string())
}

/// The history row, the audit record and the feed event of staff record `id` just written
/// (call last in the transaction: the event append takes the feed's lock).
async fn record_change<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    before: Option<&Staff>,
    reason: Option<String>,
) -> Result<Staff, ApiError> {
    let after = view(load(c, id).await?)?;
    staff_version::ActiveModel {
        staff_id: Set(id),
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
        Some(b) => Change::new("update", "staff", id).before(b),
        None => Change::new("create", "staff", id),
    };
    audit::record(c, actor, now, change.after(&after)).await?;
    let e = changed_event(&after, before.map(|b| b.version), now);
    events::append(c, actor.id, actor.role.as_str(), now, vec![e]).await?;
    Ok(after)
}

/// Add a person to the register (system administrator): version 1, the first history row.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction staff.create_staff", db.operation = "staff.create_staff"))]
pub async fn create_staff(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: StaffInput,
) -> Result<Staff, ApiError> {
    actor.require(&[Role::Sysadmin])?;
    ApiError::validation_all(rules(&input))?;
    let txn = db.begin().await?;
    references(&txn, &input, None).await?;
    let m = staff::ActiveModel {
        name: Set(input.name.trim().to_string()),
        department_id: Set(input.department_id),
        window_no: Set(window_of(&input)),
        post: Set(input.post.as_str().into()),
        assigned_from: Set(input.assigned_from),
        assigned_to: Set(input.assigned_to),
        user_id: Set(input.user_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let reason = versions::reason_of(&input.reason);
    let view = record_change(&txn, actor, now, m.id, None, reason).await?;
    txn.commit().await?;
    Ok(view)
}

/// Replace a staff record (system administrator): every field, version + 1, a history row. `if_match`: the
/// version the client read (409 `stale_version` when it changed since).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction staff.update_staff", db.operation = "staff.update_staff"))]
pub async fn update_staff(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: StaffInput,
    if_match: Option<i64>,
) -> Result<Staff, ApiError> {
    actor.require(&[Role::Sysadmin])?;
    let txn = db.begin().await?;
    let current = load(&txn, id).await?;
    ApiError::validation_all(rules(&input))?;
    versions::check_if_match("staff", id, current.version, if_match)?;
    references(&txn, &input, Some(id)).await?;
    let before = view(current.clone())?;
    let res = staff::Entity::update_many()
        .col_expr(
            staff::Column::Name,
            Expr::value(input.name.trim().to_string()),
        )
        .col_expr(
            staff::Column::DepartmentId,
            Expr::value(input.department_id),
        )
        .col_expr(staff::Column::WindowNo, Expr::value(window_of(&input)))
        .col_expr(staff::Column::Post, Expr::value(input.post.as_str()))
        .col_expr(
            staff::Column::AssignedFrom,
            Expr::value(input.assigned_from),
        )
        .col_expr(staff::Column::AssignedTo, Expr::value(input.assigned_to))
        .col_expr(staff::Column::UserId, Expr::value(input.user_id))
        .col_expr(staff::Column::Version, Expr::value(current.version + 1))
        .col_expr(staff::Column::UpdatedAt, Expr::value(now))
        .filter(staff::Column::Id.eq(id))
        .filter(staff::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(versions::changed_meanwhile("staff", id));
    }
    let reason = versions::reason_of(&input.reason);
    let view = record_change(&txn, actor, now, id, Some(&before), reason).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get_staff(db: &DatabaseConnection, id: i32) -> Result<Staff, ApiError> {
    view(load(db, id).await?)
}

pub struct StaffFilter {
    pub department_id: Option<i32>,
    /// Only staff assigned on this day.
    pub on: Option<NaiveDate>,
}

pub async fn list_staff(
    db: &DatabaseConnection,
    f: StaffFilter,
    page: PageRequest,
) -> Result<Page<Staff>, ApiError> {
    if let Some(day) = f.on {
        let mut errs = Vec::new();
        year_rule("on", day, &mut errs);
        ApiError::validation_all(errs)?;
    }
    let mut q = staff::Entity::find();
    if let Some(d) = f.department_id {
        q = q.filter(staff::Column::DepartmentId.eq(d));
    }
    if let Some(day) = f.on {
        q = q.filter(staff::Column::AssignedFrom.lte(day)).filter(
            Condition::any()
                .add(staff::Column::AssignedTo.is_null())
                .add(staff::Column::AssignedTo.gte(day)),
        );
    }
    if let Some(after) = page.after_id {
        q = q.filter(staff::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(staff::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    page.try_page(rows, |r| r.id as i64, view)
}

/// Every version of a staff record, oldest first.
pub async fn history(db: &DatabaseConnection, id: i32) -> Result<Vec<StaffVersion>, ApiError> {
    load(db, id).await?;
    staff_version::Entity::find()
        .filter(staff_version::Column::StaffId.eq(id))
        .order_by_asc(staff_version::Column::Version)
        .order_by_asc(staff_version::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|v| {
            Ok(StaffVersion {
                version: v.version,
                snapshot: versions::read_snapshot("staff", id, &v.snapshot)?,
                changed_by: v.changed_by,
                changed_at: v.changed_at,
                reason: v.reason,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input(from: &str, to: Option<&str>) -> StaffInput {
        StaffInput {
            name: "王丽".into(),
            department_id: 1,
            window_no: Some("A12".into()),
            post: StaffPost::Clerk,
            assigned_from: d(from),
            assigned_to: to.map(d),
            user_id: None,
            reason: None,
        }
    }

    #[test]
    fn an_assignment_covers_its_first_and_last_day() {
        assert!(covers(d("2025-01-01"), None, d("2025-01-01")));
        assert!(covers(
            d("2025-01-01"),
            Some(d("2025-01-31")),
            d("2025-01-31")
        ));
        assert!(!covers(
            d("2025-01-01"),
            Some(d("2025-01-31")),
            d("2025-02-01")
        ));
        assert!(!covers(d("2025-01-01"), None, d("2024-12-31")));
    }

    #[test]
    fn assignments_overlap_when_they_share_a_day() {
        let jan = (d("2025-01-01"), Some(d("2025-01-31")));
        let feb = (d("2025-02-01"), None);
        assert!(!overlap(jan, feb) && !overlap(feb, jan));
        let from_jan_31 = (d("2025-01-31"), None);
        assert!(overlap(jan, from_jan_31) && overlap(from_jan_31, jan));
        assert!(overlap((d("2024-01-01"), None), feb));
    }

    #[test]
    fn the_rules_name_every_bad_field() {
        assert!(rules(&input("2025-01-01", Some("2025-01-01"))).is_empty());
        let fields =
            |i: &StaffInput| -> Vec<String> { rules(i).into_iter().map(|e| e.field).collect() };
        assert_eq!(
            fields(&input("2025-02-01", Some("2025-01-31"))),
            ["assigned_to"]
        );
        let mut bad = input("1900-01-01", None);
        bad.name = " ".into();
        bad.window_no = Some("x".repeat(21));
        assert_eq!(fields(&bad), ["name", "window_no", "assigned_from"]);
        bad.name = "名".repeat(51);
        bad.window_no = Some(String::new());
        assert_eq!(fields(&bad)[..2], ["name", "window_no"]);
    }
}
