//! E-supervision bulletins (电子监察通报, Xiangyang issued 11 of them): a supervisor drafts one
//! for a period — prefilled from the period's facts (cards, statutory breaches, valid
//! complaints, late claims per unit, and the latest published ranking), editable while a
//! draft — a leader approves it, the supervisor publishes it: it gets the year's next number
//! (2026年第N期), is mailed to every unit it names and is immutable from then on. A bulletin
//! that names no fact is refused.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{a_card, a_claim, a_complaint, a_department, bulletin};
use outbox::NewNotice;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bulletin {
    pub id: i32,
    pub year: i32,
    /// 第N期 of the year, once published.
    pub number: Option<i32>,
    /// e.g. `2026年第3期`, once published.
    pub label: Option<String>,
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub body: String,
    pub facts: Vec<String>,
    pub department_ids: Vec<i32>,
    /// `draft`, `approved`, `published`.
    pub status: String,
    pub drafted_by: String,
    pub approved_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

fn view(m: bulletin::Model) -> Bulletin {
    Bulletin {
        id: m.id,
        year: m.year,
        number: m.number,
        label: m.number.map(|n| format!("{}年第{n}期", m.year)),
        title: m.title,
        period_from: m.period_from,
        period_to: m.period_to,
        body: m.body,
        facts: serde_json::from_str(&m.facts).unwrap_or_default(),
        department_ids: serde_json::from_str(&m.department_ids).unwrap_or_default(),
        status: m.status,
        drafted_by: m.drafted_by,
        approved_by: m.approved_by,
        published_at: m.published_at,
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// First day of the period, `YYYY-MM-DD` (Asia/Shanghai).
    pub period_from: NaiveDate,
    /// Last day of the period (inclusive).
    pub period_to: NaiveDate,
    #[serde(default)]
    pub title: Option<String>,
}

fn bounds(from: NaiveDate, to: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)?
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((at(from)?, at(to.succ_opt()?)?))
}

/// The period's facts per unit: (fact ids, a line of text).
async fn period_facts<C: ConnectionTrait>(
    c: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<i32, (Vec<String>, Vec<String>)>, ApiError> {
    let mut out: BTreeMap<i32, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut counts: BTreeMap<(i32, &'static str), u64> = BTreeMap::new();
    for card in a_card::Entity::find()
        .filter(a_card::Column::IssuedAt.gte(from))
        .filter(a_card::Column::IssuedAt.lt(to))
        .filter(a_card::Column::Level.is_in(["yellow", "red", "statutory_breach"]))
        .all(c)
        .await?
    {
        let label = match card.level.as_str() {
            "yellow" => "黄牌",
            "red" => "红牌",
            _ => "超法定时限",
        };
        *counts.entry((card.department_id, label)).or_default() += 1;
        out.entry(card.department_id)
            .or_default()
            .0
            .push(format!("card:{}", card.card_key));
    }
    for cp in a_complaint::Entity::find()
        .filter(a_complaint::Column::Finding.eq("valid"))
        .filter(a_complaint::Column::FoundAt.gte(from))
        .filter(a_complaint::Column::FoundAt.lt(to))
        .all(c)
        .await?
    {
        if let Some(d) = cp.department_id {
            *counts.entry((d, "有效投诉")).or_default() += 1;
            out.entry(d)
                .or_default()
                .0
                .push(format!("complaint:{}", cp.complaint_id));
        }
    }
    for cl in a_claim::Entity::find()
        .filter(a_claim::Column::DueAt.gte(from))
        .filter(a_claim::Column::DueAt.lt(to))
        .all(c)
        .await?
    {
        // Late: claimed after its limit, or still unclaimed once the limit has passed.
        let late = match cl.claimed_at {
            Some(at) => at > cl.due_at,
            None => cl.due_at < now,
        };
        if late {
            *counts.entry((cl.department_id, "逾期认领")).or_default() += 1;
            out.entry(cl.department_id)
                .or_default()
                .0
                .push(format!("claim:{}", cl.branch_id));
        }
    }
    for ((d, label), n) in counts {
        out.entry(d).or_default().1.push(format!("{label} {n}"));
    }
    Ok(out)
}

/// Draft a bulletin for a period, prefilled from its facts.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction bulletins.draft", db.operation = "bulletins.draft"))]
pub async fn draft(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: DraftInput,
) -> Result<Bulletin, ApiError> {
    actor.require(&[Role::Supervisor])?;
    if input.period_to < input.period_from {
        return Err(ApiError::validation("period_to", "is before period_from"));
    }
    let (from, to) = bounds(input.period_from, input.period_to)
        .ok_or_else(|| ApiError::validation("period_from", "not a date"))?;
    let txn = db.begin().await?;
    let per_unit = period_facts(&txn, from, to, now).await?;
    let facts: Vec<String> = per_unit.values().flat_map(|v| v.0.clone()).collect();
    if facts.is_empty() {
        return Err(ApiError::Validation {
            code: "no_facts",
            errors: vec![FieldError::new(
                "period_from",
                format!(
                    "{}–{} has no card, breach, valid complaint or late claim: a bulletin names its facts",
                    input.period_from, input.period_to
                ),
            )],
        });
    }
    let names: BTreeMap<i32, String> = a_department::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| (d.department_id, d.name))
        .collect();
    let mut body = format!(
        "{} 至 {} 电子监察情况通报：\n",
        input.period_from, input.period_to
    );
    for (d, (_, lines)) in &per_unit {
        body.push_str(&format!(
            "- {}：{}\n",
            names.get(d).cloned().unwrap_or_else(|| format!("部门 {d}")),
            lines.join("，")
        ));
    }
    let title = match input.title {
        Some(t) => crate::inputs::short("title", &t, 200)?,
        None => format!(
            "电子监察通报（{} 至 {}）",
            input.period_from, input.period_to
        ),
    };
    let departments: Vec<i32> = per_unit.keys().copied().collect();
    let m = bulletin::ActiveModel {
        year: Set(chrono::Datelike::year(&input.period_to)),
        number: Set(None),
        title: Set(title),
        period_from: Set(input.period_from),
        period_to: Set(input.period_to),
        body: Set(body),
        facts: Set(serde_json::to_string(&facts).unwrap_or_default()),
        department_ids: Set(serde_json::to_string(&departments).unwrap_or_default()),
        status: Set("draft".into()),
        drafted_by: Set(actor.name.clone()),
        drafted_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(view(m))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    pub title: String,
    pub body: String,
    /// At least one fact reference.
    pub facts: Vec<String>,
    /// The units it names and is sent to (at least one).
    pub department_ids: Vec<i32>,
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<bulletin::Model, ApiError> {
    bulletin::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("bulletin", id))
}

/// Edit a draft (supervisor).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction bulletins.edit", db.operation = "bulletins.edit"))]
pub async fn edit(
    db: &DatabaseConnection,
    actor: &AuthUser,
    id: i32,
    input: EditInput,
) -> Result<Bulletin, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let facts = crate::accountability::facts("facts", &input.facts)?;
    let title = crate::inputs::short("title", &input.title, 200)?;
    let body = crate::inputs::short("body", &input.body, 20_000)?;
    if input.department_ids.is_empty() {
        return Err(ApiError::validation(
            "department_ids",
            "a bulletin is sent to the units it names: at least one",
        ));
    }
    let txn = db.begin().await?;
    for (i, d) in input.department_ids.iter().enumerate() {
        if a_department::Entity::find_by_id(*d)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(ApiError::validation(
                format!("department_ids[{i}]"),
                format!("no department {d}"),
            ));
        }
    }
    let moved = bulletin::Entity::update_many()
        .col_expr(bulletin::Column::Title, Expr::value(title))
        .col_expr(bulletin::Column::Body, Expr::value(body))
        .col_expr(
            bulletin::Column::Facts,
            Expr::value(serde_json::to_string(&facts).unwrap_or_default()),
        )
        .col_expr(
            bulletin::Column::DepartmentIds,
            Expr::value(serde_json::to_string(&input.department_ids).unwrap_or_default()),
        )
        .filter(bulletin::Column::Id.eq(id))
        .filter(bulletin::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    let m = load(&txn, id).await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "bulletin_status",
            format!("bulletin {id} is {}: only a draft is edited", m.status),
        ));
    }
    txn.commit().await?;
    Ok(view(m))
}

/// A leader approves a draft.
pub async fn approve(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Bulletin, ApiError> {
    actor.require(&[Role::Leader])?;
    let moved = bulletin::Entity::update_many()
        .col_expr(bulletin::Column::Status, Expr::value("approved"))
        .col_expr(
            bulletin::Column::ApprovedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(bulletin::Column::ApprovedAt, Expr::value(Some(now)))
        .filter(bulletin::Column::Id.eq(id))
        .filter(bulletin::Column::Status.eq("draft"))
        .exec(db)
        .await?;
    let m = load(db, id).await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "bulletin_status",
            format!("bulletin {id} is {}: only a draft is approved", m.status),
        ));
    }
    Ok(view(m))
}

/// The supervisor publishes an approved bulletin: numbered, mailed to the units it names (and
/// the supervision office, for the leaders), immutable.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction bulletins.publish", db.operation = "bulletins.publish"))]
pub async fn publish(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    office_email: &str,
) -> Result<Bulletin, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if m.status != "approved" {
        return Err(ApiError::conflict(
            "bulletin_status",
            format!(
                "bulletin {id} is {}: only an approved one is published",
                m.status
            ),
        ));
    }
    let last = bulletin::Entity::find()
        .filter(bulletin::Column::Year.eq(m.year))
        .filter(bulletin::Column::Number.is_not_null())
        .order_by_desc(bulletin::Column::Number)
        .one(&txn)
        .await?
        .and_then(|b| b.number)
        .unwrap_or(0);
    let number = last + 1;
    // Guarded by the status read: two publishers cannot both number it; the unique
    // (year, number) index stops two bulletins taking one number.
    let moved = bulletin::Entity::update_many()
        .col_expr(bulletin::Column::Status, Expr::value("published"))
        .col_expr(bulletin::Column::Number, Expr::value(Some(number)))
        .col_expr(
            bulletin::Column::PublishedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(bulletin::Column::PublishedAt, Expr::value(Some(now)))
        .filter(bulletin::Column::Id.eq(id))
        .filter(bulletin::Column::Status.eq("approved"))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "bulletin_status",
            format!("bulletin {id} was published meanwhile"),
        ));
    }
    let m = load(&txn, id).await?;
    let v = view(m);
    let label = v.label.clone().unwrap_or_default();
    for d in &v.department_ids {
        outbox::enqueue(
            &txn,
            NewNotice {
                kind: "bulletin",
                dedup_key: format!("bulletin:{id}:department:{d}"),
                subject: format!("[电子监察通报] {label} {}", v.title),
                body: format!("{}\n\n{}", v.body, v.facts.join(", ")),
                recipients: crate::rectification::department_addresses(&txn, *d).await?,
            },
            now,
        )
        .await?;
    }
    outbox::enqueue(
        &txn,
        NewNotice {
            kind: "bulletin",
            dedup_key: format!("bulletin:{id}:office"),
            subject: format!("[电子监察通报] {label} {}", v.title),
            body: format!("{}\n\n{}", v.body, v.facts.join(", ")),
            recipients: vec![office_email.to_string()],
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub year: Option<i32>,
    /// Words to find in the title or body.
    pub q: Option<String>,
}

/// Published bulletins for everyone; drafts too for supervisors and leaders. Newest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    query: ListQuery,
) -> Result<Vec<Bulletin>, ApiError> {
    let mut q = bulletin::Entity::find();
    if let Some(y) = query.year {
        q = q.filter(bulletin::Column::Year.eq(y));
    }
    if !matches!(actor.role, Role::Supervisor | Role::Leader) {
        q = q.filter(bulletin::Column::Status.eq("published"));
    }
    let needle = query
        .q
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok(q.order_by_desc(bulletin::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|b| {
            needle
                .as_ref()
                .is_none_or(|n| b.title.contains(n.as_str()) || b.body.contains(n.as_str()))
        })
        .map(view)
        .collect())
}

pub async fn get(db: &DatabaseConnection, actor: &AuthUser, id: i32) -> Result<Bulletin, ApiError> {
    let m = load(db, id).await?;
    if m.status != "published" {
        actor.require(&[Role::Supervisor, Role::Leader])?;
    }
    Ok(view(m))
}
