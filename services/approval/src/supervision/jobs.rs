//! Scheduled jobs and the rule that each runs once per tick across replicas: a run first
//! inserts `(job, tick)` into `job_runs` (unique); the replica whose insert wins runs it, the
//! others skip. With Redis configured, a lock with expiry (`SET NX PX`) also keeps two runs of
//! the same job from overlapping. Every job is idempotent (cards and notices have unique keys),
//! so a run that dies midway is simply done again at the next tick.

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::reports::{self, DigestKind, Period};
use super::sweep;
use crate::entities::{branch, department, user};
use crate::notices::{self, NewNotice};
use crate::state::AppState;
use calendar::local_date;
use outbox::entity::notice;
use outbox::NewAttachment;

/// The jobs the scheduler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Issue warnings and cards that came due (every minute).
    Sweep,
    /// Send queued notices (every few seconds).
    Deliver,
    /// Daily summary to each department head (08:00).
    DailyDigest,
    /// 周通报 to supervisors (Monday 08:30).
    WeeklyNotice,
    /// 月分析 to supervisors (1st of the month, 09:00).
    MonthlyAnalysis,
    /// Delete what has outlived its keeping: expired idempotency keys and the refresh tokens of
    /// sessions past their maximum age (hourly, at :05).
    Housekeeping,
    /// Chain the audit rows written since (every `AUDIT_SEAL_INTERVAL_SECONDS`).
    AuditSeal,
    /// Remove sealed audit rows older than `AUDIT_RETENTION_DAYS` (daily, 03:30).
    AuditPurge,
}

impl JobKind {
    pub const ALL: [JobKind; 8] = [
        JobKind::Sweep,
        JobKind::Deliver,
        JobKind::DailyDigest,
        JobKind::WeeklyNotice,
        JobKind::MonthlyAnalysis,
        JobKind::Housekeeping,
        JobKind::AuditSeal,
        JobKind::AuditPurge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Sweep => "sweep",
            JobKind::Deliver => "deliver",
            JobKind::DailyDigest => "daily_digest",
            JobKind::WeeklyNotice => "weekly_notice",
            JobKind::MonthlyAnalysis => "monthly_analysis",
            JobKind::Housekeeping => "housekeeping",
            JobKind::AuditSeal => "audit_seal",
            JobKind::AuditPurge => "audit_purge",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == s)
    }
}

/// The outcome of one attempt to run a job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobRun {
    pub job: JobKind,
    /// The tick the run belongs to (the minute, UTC).
    pub tick: String,
    /// `false` when another replica (or an earlier call) already ran this tick.
    pub ran: bool,
    pub detail: serde_json::Value,
}

pub use platform::jobs::tick_of;
use platform::jobs::RunLock;

/// How long a run's Redis lock lives without renewal; the run renews it every third of that.
const LOCK_TTL_MS: u64 = 5 * 60 * 1000;

/// A Redis lock around a run, held by a token unique to the run and renewed while it lives
/// (`platform::jobs::RunLock`); `None` when Redis is not configured or unreachable (the ledger
/// alone then keeps runs unique per tick), `Some(None)` when another run holds it.
async fn redis_lock(
    state: &AppState,
    job: JobKind,
) -> Option<Option<(RunLock, redis::aio::MultiplexedConnection)>> {
    let client = state.redis.as_ref()?;
    let mut conn = match client.get_multiplexed_async_connection().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, job = job.as_str(), "Redis unreachable: running under the job ledger only");
            return None;
        }
    };
    let key = format!(
        "pa:lock:{}:{}",
        platform::db::namespace(&state.config.database_url),
        job.as_str()
    );
    match RunLock::acquire(&mut conn, &key, LOCK_TTL_MS).await {
        Ok(lock) => Some(lock.map(|l| (l, conn))),
        Err(e) => {
            tracing::warn!(error = %e, "Redis lock failed: running under the job ledger only");
            None
        }
    }
}

/// Run `job` for the tick of `now`, once across replicas: counted in `job_runs_total` by
/// outcome, timed, and traced as a `job.run` span (a child of the request's span when run on
/// demand).
pub async fn run_once(
    state: &AppState,
    job: JobKind,
    now: DateTime<Utc>,
) -> Result<JobRun, ApiError> {
    use platform::metrics::JobOutcome;
    use tracing::Instrument;
    let span = tracing::info_span!(
        "job.run",
        otel.name = %format!("job {}", job.as_str()),
        job = job.as_str(),
        tick = %tick_of(now),
        outcome = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let res = run_once_uncounted(state, job, now)
        .instrument(span.clone())
        .await;
    let outcome = match &res {
        Ok(r) if r.ran => JobOutcome::Ran,
        Ok(_) => JobOutcome::Skipped,
        Err(_) => JobOutcome::Failed,
    };
    span.record("outcome", outcome.as_str());
    state
        .metrics
        .kit
        .observe_job(job.as_str(), outcome, started.elapsed());
    res
}

async fn run_once_uncounted(
    state: &AppState,
    job: JobKind,
    now: DateTime<Utc>,
) -> Result<JobRun, ApiError> {
    let tick = tick_of(now);
    if job != JobKind::Deliver
        && !platform::jobs::claim_tick(&state.db, job.as_str(), &tick, now).await?
    {
        return Ok(JobRun {
            job,
            tick,
            ran: false,
            detail: serde_json::json!("already run for this tick"),
        });
    }
    let lock = match redis_lock(state, job).await {
        Some(None) => {
            if job != JobKind::Deliver {
                platform::jobs::release_tick(&state.db, job.as_str(), &tick).await?;
            }
            return Ok(JobRun {
                job,
                tick,
                ran: false,
                detail: serde_json::json!("another replica holds the lock"),
            });
        }
        Some(Some(held)) => Some(held),
        None => None,
    };
    // Renew the lock while the run lives, so a long run never loses it to the next one.
    let renewal = lock.clone().map(|(l, mut conn)| {
        tokio::spawn(async move {
            let every = std::time::Duration::from_millis(LOCK_TTL_MS / 3);
            loop {
                tokio::time::sleep(every).await;
                if !l.renew(&mut conn, LOCK_TTL_MS).await.unwrap_or(false) {
                    break;
                }
            }
        })
    });
    let result = run(state, job, now).await;
    if let Some(task) = renewal {
        task.abort();
    }
    if let Some((l, mut conn)) = lock {
        if !l.release(&mut conn).await.unwrap_or(false) {
            tracing::warn!(
                job = job.as_str(),
                "the run's Redis lock had expired or been taken over"
            );
        }
    }
    let detail = match result {
        Ok(d) => d,
        Err(e) => {
            // A failed run gives its tick back: it is retried, not left claimed and undone.
            if job != JobKind::Deliver {
                platform::jobs::release_tick(&state.db, job.as_str(), &tick).await?;
            }
            return Err(e);
        }
    };
    platform::jobs::finish_tick(&state.db, job.as_str(), &tick, Utc::now()).await?;
    Ok(JobRun {
        job,
        tick,
        ran: true,
        detail,
    })
}

async fn run(
    state: &AppState,
    job: JobKind,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ApiError> {
    match job {
        JobKind::Sweep => {
            let started = std::time::Instant::now();
            let report = sweep::sweep(&state.db, &state.timing(), now).await?;
            state.metrics.observe_sweep(started.elapsed(), &report);
            Ok(serde_json::to_value(report).unwrap_or_default())
        }
        JobKind::Deliver => {
            let report = super::scheduler::deliver(state, now).await?;
            Ok(serde_json::to_value(report).unwrap_or_default())
        }
        JobKind::DailyDigest => daily_digest(&state.db, now).await,
        JobKind::WeeklyNotice => supervisor_report(state, now, DigestKind::Weekly).await,
        JobKind::MonthlyAnalysis => supervisor_report(state, now, DigestKind::Monthly).await,
        JobKind::Housekeeping => {
            let horizon =
                now - chrono::Duration::hours(i64::from(state.supervision.idempotency_ttl_hours));
            let keys = crate::cases::idempotency::purge(&state.db, horizon).await?;
            let refresh =
                crate::sessions::purge_ended(&state.db, &state.sessions.settings, now).await?;
            Ok(serde_json::json!({
                "idempotency_keys_deleted": keys,
                "refresh_tokens_deleted": refresh,
            }))
        }
        JobKind::AuditSeal => Ok(serde_json::json!({
            "sealed": crate::audit::store::seal(&state.db).await?
        })),
        JobKind::AuditPurge => {
            let p = crate::audit::store::purge(&state.db, now, state.audit.retention_days).await?;
            Ok(serde_json::to_value(p).unwrap_or_default())
        }
    }
}

/// Each department head: open, warned and overdue branches of the department.
async fn daily_digest(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ApiError> {
    let day = local_date(now);
    let mut queued = 0;
    for d in department::Entity::find()
        .filter(department::Column::DeletedAt.is_null())
        .all(db)
        .await?
    {
        let Some(head) = d.head_email.clone() else {
            continue;
        };
        let open = || {
            branch::Entity::find()
                .filter(branch::Column::DepartmentId.eq(d.id))
                .filter(branch::Column::DecidedAt.is_null())
                .filter(branch::Column::State.ne("cancelled"))
        };
        let total = open().count(db).await?;
        if total == 0 {
            continue;
        }
        let warned = open()
            .filter(branch::Column::AlertLevel.gte(1))
            .count(db)
            .await?;
        let overdue = open()
            .filter(branch::Column::DueAt.lt(now))
            .count(db)
            .await?;
        let fresh = notices::enqueue(
            db,
            NewNotice {
                kind: "daily_digest",
                dedup_key: format!("digest:daily:{day}:dept:{}", d.id),
                subject: format!("[电子监察] {} daily summary {day}: {total} open, {warned} warned, {overdue} overdue", d.name),
                body: format!("Department {} on {day}:\n- open branches: {total}\n- with a warning or card: {warned}\n- overdue: {overdue}\n", d.name),
                recipients: vec![head],
            },
            now,
        )
        .await?;
        queued += u32::from(fresh);
    }
    Ok(serde_json::json!({ "queued": queued }))
}

/// 周通报 / 月分析: the last ended period's figures per department ([`reports::digest`], the
/// same rows as the report endpoints), to every supervisor with an address, with the workbook
/// attached (and for 月分析 the PDF, when a CJK font is available).
async fn supervisor_report(
    state: &AppState,
    now: DateTime<Utc>,
    kind: DigestKind,
) -> Result<serde_json::Value, ApiError> {
    let db = &state.db;
    let period = Period::last_ended(kind, now);
    let label = &period.label;
    let title = match kind {
        DigestKind::Weekly => "周通报 weekly notice",
        DigestKind::Monthly => "月分析 monthly analysis",
    };
    let dedup_key = format!("digest:{}:{label}", kind.as_str());
    // Already queued: nothing to compute (the stored notice and its files stand).
    if notice::Entity::find()
        .filter(notice::Column::DedupKey.eq(dedup_key.as_str()))
        .count(db)
        .await?
        > 0
    {
        return Ok(serde_json::json!({ "queued": 0, "period": label }));
    }
    let digest = reports::digest(db, kind, &period, now).await?;
    let recipients: Vec<String> = user::Entity::find()
        .filter(user::Column::Role.eq("supervisor"))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| u.email)
        .collect();
    let pct = |r: Option<f64>| {
        r.map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    let (from, to) = (period.from, period.until);
    let mut body = format!("{title} {label} ({from} – {to}, exclusive)\n\ndept | received | finished | same-day | early | on-time | overdue | yellow | red | complaints\n");
    for r in &digest.departments {
        let s = &r.stats;
        body.push_str(&format!(
            "{} {} | {} | {} | {} | {} | {} | {} | {} | {} | {}\n",
            s.department_id,
            r.department_name,
            s.received,
            s.finished,
            pct(s.same_day_rate),
            pct(s.early_rate),
            pct(s.on_time_rate),
            s.finished_late + s.open_overdue,
            s.yellow_cards,
            s.red_cards,
            s.complaints
        ));
    }
    let (name, _) = reports::digest_file_name(&digest, kind);
    let mut files = vec![NewAttachment {
        filename: format!("{name}.xlsx"),
        content_type: ::reports::http::XLSX_CONTENT_TYPE.into(),
        content: reports::digest_xlsx(&digest, kind)?,
    }];
    let mut pdf = "none";
    if kind == DigestKind::Monthly {
        // Reading the font and rendering are blocking work: off the async workers.
        let setting = state.supervision.pdf_font.clone();
        let d = digest.clone();
        let rendered = tokio::task::spawn_blocking(move || {
            ::reports::pdf::PdfFont::cached(setting.as_deref())
                .map(|font| reports::digest_pdf(&d, kind, &font))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("PDF rendering: {e}")))?;
        match rendered {
            Ok(content) => {
                files.push(NewAttachment {
                    filename: format!("{name}.pdf"),
                    content_type: ::reports::http::PDF_CONTENT_TYPE.into(),
                    content: content?,
                });
                pdf = "attached";
            }
            Err(e) => {
                tracing::warn!(error = %e, "monthly analysis mailed without its PDF");
                body.push_str("\n(PDF not attached: no CJK font configured, see PDF_FONT)\n");
                pdf = "no_font";
            }
        }
    }
    let attached = files.len();
    let fresh = outbox::enqueue_with_attachments(
        db,
        NewNotice {
            kind: kind.as_str(),
            dedup_key,
            subject: format!("[电子监察] {title} {label}"),
            body,
            recipients,
        },
        files,
        now,
    )
    .await?;
    Ok(serde_json::json!({
        "queued": u32::from(fresh),
        "departments": digest.departments.len(),
        "period": label,
        "attachments": attached,
        "pdf": pdf,
    }))
}
