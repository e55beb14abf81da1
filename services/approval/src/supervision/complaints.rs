//! Complaints (投诉): anyone with a case number and its second factor (the last 6 characters
//! of the applicant's ID number or credit code, which only the applicant knows) can file one;
//! the form answers the same whether the case exists, the factor is wrong, or it was accepted; a supervisor assigns it to a
//! department with a time limit, the department answers, the supervisor closes it. Every step
//! is an event in the feed (complaints count in the assessment). A supervisor records, once,
//! whether the complaint was founded (投诉认定: `valid` / `invalid`, with the reason): only a
//! valid complaint counts against the department. The finding may name the person complained
//! about (`staff_id`, of the staff register 窗口工作人员): staff of the assigned department who
//! was assigned to the hall on the day the complaint was filed (Asia/Shanghai).

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, FieldError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::calendar_store::compute_error;
use crate::cases::events::{self, NewEvent};
use crate::entities::{case, complaint, department, staff};
use crate::notices::{self, NewNotice};
use crate::state::Timing;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// The case number on the applicant's receipt.
    pub case_no: String,
    /// The second factor (校验码): the last 6 characters of the applicant's ID number or
    /// unified credit code, case-insensitive.
    #[schema(min_length = 6, max_length = 6, example = "00010Y")]
    pub check: String,
    pub complainant: String,
    /// Phone or e-mail for the answer.
    pub contact: String,
    pub content: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub department_id: i32,
    /// Working days to answer; default `COMPLAINT_LIMIT_DAYS` (5).
    #[serde(default)]
    pub limit_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub answer: String,
}

/// A supervisor's finding on a complaint (投诉认定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// Founded (有效投诉): counts against the department.
    Valid,
    /// Unfounded (无效投诉).
    Invalid,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Valid => "valid",
            Finding::Invalid => "invalid",
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub finding: Finding,
    /// Why, 1–2000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "经核查，窗口未一次性告知补正材料，投诉属实"
    )]
    pub reason: String,
    /// The staff member the complaint is about (`/v1/staff`): of the complaint's assigned
    /// department (422 `staff_department_mismatch`) and assigned to the hall on the day the
    /// complaint was filed (422 `staff_not_assigned`).
    #[serde(default)]
    pub staff_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Complaint {
    pub id: i32,
    pub case_id: i32,
    pub case_no: String,
    pub complainant: String,
    pub contact: String,
    pub content: String,
    /// `open`, `assigned`, `answered`, `closed`.
    pub status: String,
    pub assigned_department_id: Option<i32>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The department's answer is due by then.
    pub due_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Answered (or still open) after `due_at`.
    pub late: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The supervisor's finding (投诉认定), once recorded.
    pub finding: Option<Finding>,
    /// Why the complaint was found valid or invalid.
    pub finding_reason: Option<String>,
    /// The supervisor (user id) who recorded the finding.
    pub found_by: Option<i32>,
    pub found_at: Option<DateTime<Utc>>,
    /// The staff member the finding names (窗口工作人员), if any.
    pub staff_id: Option<i32>,
}

fn view(m: complaint::Model, now: DateTime<Utc>) -> Complaint {
    let late = m.due_at.is_some_and(|d| m.answered_at.unwrap_or(now) > d);
    Complaint {
        id: m.id,
        case_id: m.case_id,
        case_no: m.case_no,
        complainant: m.complainant,
        contact: m.contact,
        content: m.content,
        status: m.status,
        assigned_department_id: m.assigned_department_id,
        assigned_at: m.assigned_at,
        due_at: m.due_at,
        answer: m.answer,
        answered_at: m.answered_at,
        late,
        closed_at: m.closed_at,
        created_at: m.created_at,
        finding: match m.finding.as_deref() {
            Some("valid") => Some(Finding::Valid),
            Some("invalid") => Some(Finding::Invalid),
            _ => None,
        },
        finding_reason: m.finding_reason,
        found_by: m.found_by,
        found_at: m.found_at,
        staff_id: m.staff_id,
    }
}

async fn event<C: ConnectionTrait>(
    c: &C,
    actor_id: i32,
    role: &str,
    m: &complaint::Model,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    events::append(
        c,
        actor_id,
        role,
        now,
        vec![NewEvent {
            case_id: m.case_id,
            branch_id: None,
            kind: kind.into(),
            from_state: String::new(),
            to_state: m.status.clone(),
            payload: json!({
                "type": kind, "complaint_id": m.id, "case_id": m.case_id, "department_id": m.assigned_department_id,
                "due_at": m.due_at, "at": now,
            }),
        }],
    )
    .await
}

fn text(field: &str, v: &str, max: usize, errs: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        errs.push(FieldError::new(field, "must not be empty"));
    } else if v.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

/// The one answer of the public complaint form, whatever happened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintReceipt {
    /// Always `received`.
    pub status: String,
    pub message: String,
}

/// The receipt every well-formed complaint gets: it tells nothing about the case.
pub fn receipt() -> ComplaintReceipt {
    ComplaintReceipt {
        status: "received".into(),
        message: "投诉已收到。如受理编号与校验码相符，将予受理并通过所留联系方式答复。/ Received: \
                  if the case number and check code match, the complaint is taken up and \
                  answered through the contact given."
            .into(),
    }
}

/// Check the form's fields (their format only, never against the data).
fn checked(input: &ComplaintInput) -> Result<String, ApiError> {
    let mut errs = Vec::new();
    text("case_no", &input.case_no, 32, &mut errs);
    let check = input.check.trim().to_ascii_uppercase();
    if check.chars().count() != 6 {
        errs.push(FieldError::new(
            "check",
            "校验码为证件号码的后 6 位 / the check code is the last 6 characters of the ID number or credit code",
        ));
    }
    text("complainant", &input.complainant, 200, &mut errs);
    text("contact", &input.contact, 200, &mut errs);
    text("content", &input.content, 4000, &mut errs);
    ApiError::validation_all(errs)?;
    Ok(check)
}

/// File a complaint from the public form; no account needed. Rate-limited per client address
/// and per case number (429); the same [`receipt`] whether the case is unknown, the second
/// factor wrong, or the complaint filed: only a matching pair files one.
pub async fn file_public(
    state: &crate::state::AppState,
    address: &str,
    input: ComplaintInput,
) -> Result<ComplaintReceipt, ApiError> {
    let check = checked(&input)?;
    let now = state.now();
    let now_secs = now.timestamp().max(0) as u64;
    let ns = platform::db::namespace(&state.config.database_url);
    let case_no = input.case_no.trim().to_string();
    let address_hash = platform::identity::sha256_hex(&format!(
        "complaint-address:{}:{address}",
        state.config.jwt_secret
    ));
    let case_hash = platform::identity::sha256_hex(&format!("complaint-case:{case_no}"));
    // The address first: a client over its own limit does not use up the case's.
    let limits = &state.lookup_limits;
    limits
        .complaint_per_address
        .check(
            state.redis.as_ref(),
            &format!("complaint:addr:{ns}:{address_hash}"),
            now_secs,
        )
        .await?;
    limits
        .complaint_per_case
        .check(
            state.redis.as_ref(),
            &format!("complaint:case:{ns}:{case_hash}"),
            now_secs,
        )
        .await?;
    file(&state.db, &state.pii, now, &check, input).await?;
    Ok(receipt())
}

/// File the complaint if the case exists and `check` matches it; `None` otherwise.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction complaints.file", db.operation = "complaints.file"))]
pub async fn file(
    db: &DatabaseConnection,
    vault: &crate::cases::vault::PiiVault,
    now: DateTime<Utc>,
    check: &str,
    input: ComplaintInput,
) -> Result<Option<Complaint>, ApiError> {
    let txn = db.begin().await?;
    let found = match case::Entity::find()
        .filter(case::Column::CaseNo.eq(input.case_no.trim()))
        .one(&txn)
        .await?
    {
        Some(c) => {
            let id_number = vault.open(crate::cases::vault::ID_NUMBER, &c.applicant_id_number)?;
            let expected = platform::identity::check_key(
                &c.case_no,
                &platform::identity::check_of(&id_number),
            );
            (expected == platform::identity::check_key(&c.case_no, check)).then_some(c)
        }
        None => None,
    };
    let Some(c) = found else {
        txn.commit().await?;
        return Ok(None);
    };
    let m = complaint::ActiveModel {
        case_id: Set(c.id),
        case_no: Set(c.case_no),
        complainant: Set(input.complainant),
        contact: Set(input.contact),
        content: Set(input.content),
        status: Set("open".into()),
        created_at: Set(now),
        version: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(&txn, 0, "public", &m, "complaint_filed", now).await?;
    txn.commit().await?;
    Ok(Some(view(m, now)))
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<complaint::Model, ApiError> {
    complaint::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("complaint", id))
}

/// Store a complaint's change only if nobody changed it since it was read (same version, same
/// status): of two concurrent assigns, answers or closes exactly one wins, the other is 409.
async fn update_guarded<C: ConnectionTrait>(
    c: &C,
    before: &complaint::Model,
    am: complaint::ActiveModel,
) -> Result<complaint::Model, ApiError> {
    let res = complaint::Entity::update_many()
        .set(am)
        .filter(complaint::Column::Id.eq(before.id))
        .filter(complaint::Column::Version.eq(before.version))
        .filter(complaint::Column::Status.eq(before.status.as_str()))
        .exec(c)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(
            "stale_version",
            format!("complaint {} changed meanwhile; reload it", before.id),
        ));
    }
    load(c, before.id).await
}

fn wrong_status(m: &complaint::Model, want: &str, action: &str) -> ApiError {
    ApiError::conflict(
        "complaint_status",
        format!(
            "complaint {} is {}; {action} needs it {want}",
            m.id, m.status
        ),
    )
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction complaints.assign", db.operation = "complaints.assign"))]
pub async fn assign(
    db: &DatabaseConnection,
    timing: &Timing,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: AssignInput,
) -> Result<Complaint, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let days = input.limit_days.unwrap_or(timing.complaint_limit_days);
    if !(1..=60).contains(&days) {
        return Err(ApiError::validation(
            "limit_days",
            "must be 1–60 working days",
        ));
    }
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if m.status != "open" {
        return Err(wrong_status(&m, "open", "assigning"));
    }
    let d = department::Entity::find_by_id(input.department_id)
        .one(&txn)
        .await?
        .filter(|d| d.deleted_at.is_none());
    let Some(d) = d else {
        return Err(ApiError::validation(
            "department_id",
            format!("unknown department {}", input.department_id),
        ));
    };
    let due = timing.cal.deadline(now, days).map_err(compute_error)?;
    let before = m.clone();
    let mut am = m.into_active_model();
    am.status = Set("assigned".into());
    am.assigned_department_id = Set(Some(d.id));
    am.assigned_by = Set(Some(actor.id));
    am.assigned_at = Set(Some(now));
    am.due_at = Set(Some(due));
    am.version = Set(am.version.as_ref() + 1);
    let m = update_guarded(&txn, &before, am).await?;
    notices::enqueue(
        &txn,
        NewNotice {
            kind: "complaint_assigned",
            dedup_key: format!("complaint_assigned:{}", m.id),
            subject: format!(
                "[投诉] complaint {} on case {} assigned to {}",
                m.id, m.case_no, d.name
            ),
            body: format!("{}\n\nAnswer by {} (UTC).", m.content, due),
            recipients: [d.window_email, d.head_email]
                .into_iter()
                .flatten()
                .collect(),
        },
        now,
    )
    .await?;
    event(
        &txn,
        actor.id,
        actor.role.as_str(),
        &m,
        "complaint_assigned",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(m, now))
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction complaints.answer", db.operation = "complaints.answer"))]
pub async fn answer(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: AnswerInput,
) -> Result<Complaint, ApiError> {
    actor.require(&[Role::Supervisor, Role::Reviewer, Role::Approver])?;
    let mut errs = Vec::new();
    text("answer", &input.answer, 4000, &mut errs);
    ApiError::validation_all(errs)?;
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if m.status != "assigned" {
        return Err(wrong_status(&m, "assigned", "answering"));
    }
    if actor.role != Role::Supervisor {
        actor.require_department(m.assigned_department_id.unwrap_or(-1))?;
    }
    let before = m.clone();
    let mut am = m.into_active_model();
    am.status = Set("answered".into());
    am.answer = Set(Some(input.answer));
    am.answered_by = Set(Some(actor.id));
    am.answered_at = Set(Some(now));
    am.version = Set(am.version.as_ref() + 1);
    let m = update_guarded(&txn, &before, am).await?;
    event(
        &txn,
        actor.id,
        actor.role.as_str(),
        &m,
        "complaint_answered",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(m, now))
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction complaints.close", db.operation = "complaints.close"))]
pub async fn close(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Complaint, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if m.status != "answered" {
        return Err(wrong_status(&m, "answered", "closing"));
    }
    let before = m.clone();
    let mut am = m.into_active_model();
    am.status = Set("closed".into());
    am.closed_by = Set(Some(actor.id));
    am.closed_at = Set(Some(now));
    am.version = Set(am.version.as_ref() + 1);
    let m = update_guarded(&txn, &before, am).await?;
    event(
        &txn,
        actor.id,
        actor.role.as_str(),
        &m,
        "complaint_closed",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(m, now))
}

/// The staff member a finding names: known (422 `staff_id`), of the department the complaint
/// is assigned to (422 `staff_department_mismatch`), assigned to the hall on the local day the
/// complaint was filed (422 `staff_not_assigned`).
async fn staff_named<C: ConnectionTrait>(
    c: &C,
    m: &complaint::Model,
    staff_id: i32,
) -> Result<(), ApiError> {
    let Some(s) = staff::Entity::find_by_id(staff_id).one(c).await? else {
        return Err(ApiError::validation(
            "staff_id",
            format!("unknown staff record {staff_id}"),
        ));
    };
    if m.assigned_department_id != Some(s.department_id) {
        let assigned = match m.assigned_department_id {
            Some(d) => format!("is assigned to department {d}"),
            None => "is not assigned to a department yet".into(),
        };
        return Err(ApiError::Validation {
            code: "staff_department_mismatch",
            errors: vec![FieldError::new(
                "staff_id",
                format!(
                    "staff record {staff_id} ({}) is of department {}; complaint {} {assigned}",
                    s.name, s.department_id, m.id
                ),
            )],
        });
    }
    let filed_on = m
        .created_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    if !crate::catalogue::staff::assigned_on(&s, filed_on) {
        return Err(ApiError::Validation {
            code: "staff_not_assigned",
            errors: vec![FieldError::new(
                "staff_id",
                format!(
                    "staff record {staff_id} ({}) was not assigned to the hall on {filed_on}, the day complaint {} was filed (assigned from {}{})",
                    s.name,
                    m.id,
                    s.assigned_from,
                    s.assigned_to.map(|t| format!(" to {t}")).unwrap_or_default()
                ),
            )],
        });
    }
    Ok(())
}

/// Record the finding on a complaint (投诉认定), supervisor only, once: in any status, audited,
/// on the feed as `complaint_found`, naming the staff member when `staff_id` is given.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction complaints.record_finding", db.operation = "complaints.record_finding"))]
pub async fn record_finding(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: FindingInput,
) -> Result<Complaint, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let mut errs = Vec::new();
    text("reason", &input.reason, 2000, &mut errs);
    ApiError::validation_all(errs)?;
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if let Some(f) = &m.finding {
        return Err(ApiError::conflict(
            "finding_recorded",
            format!(
                "complaint {id} was found {f} at {}; a finding is recorded once",
                m.found_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            ),
        ));
    }
    if let Some(sid) = input.staff_id {
        staff_named(&txn, &m, sid).await?;
    }
    let before = m.clone();
    let mut am = m.into_active_model();
    am.staff_id = Set(input.staff_id);
    am.finding = Set(Some(input.finding.as_str().into()));
    am.finding_reason = Set(Some(input.reason.trim().to_string()));
    am.found_by = Set(Some(actor.id));
    am.found_at = Set(Some(now));
    am.version = Set(am.version.as_ref() + 1);
    let m = update_guarded(&txn, &before, am).await?;
    crate::audit::record(
        &txn,
        actor,
        now,
        crate::audit::Change::new("record_finding", "complaint", id)
            .before(&view(before, now))
            .after(&view(m.clone(), now)),
    )
    .await?;
    events::append(
        &txn,
        actor.id,
        actor.role.as_str(),
        now,
        vec![NewEvent {
            case_id: m.case_id,
            branch_id: None,
            kind: "complaint_found".into(),
            from_state: m.status.clone(),
            to_state: m.status.clone(),
            payload: json!({
                "type": "complaint_found", "complaint_id": m.id, "case_id": m.case_id,
                "department_id": m.assigned_department_id, "finding": m.finding,
                "reason": m.finding_reason, "found_by": m.found_by, "staff_id": m.staff_id,
                "at": now,
            }),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(view(m, now))
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    status: Option<String>,
    page: PageRequest,
) -> Result<Page<Complaint>, ApiError> {
    let mut q = complaint::Entity::find();
    match actor.role {
        Role::Reviewer | Role::Approver => {
            q = q.filter(
                complaint::Column::AssignedDepartmentId.eq(actor.department_id.unwrap_or(-1)),
            )
        }
        _ => actor.require(&[Role::Supervisor, Role::Assessor, Role::Service])?,
    }
    if let Some(s) = status {
        q = q.filter(complaint::Column::Status.eq(s));
    }
    if let Some(after) = page.after_id {
        q = q.filter(complaint::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(complaint::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(page.page(rows, |r| r.id as i64, |r| view(r, now)))
}
