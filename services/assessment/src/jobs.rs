//! Scheduled work of the assessment service (tokio-cron-scheduler, Asia/Shanghai): the
//! quarterly run on the 1st of January, April, July and October (a draft for the quarter that
//! ended: assessors approve and publish it in the first ten days), rectification reminders and
//! escalation every morning, and mail delivery every 15 seconds. Once per tick across replicas
//! through the job ledger ([`platform::jobs`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use outbox::delivery::{deliver_due, DeliveryPolicy};
use platform::ApiError;
use serde::Serialize;
use tokio_cron_scheduler::{Job, JobScheduler};
use utoipa::ToSchema;

use crate::quarter::Quarter;
use crate::state::AppState;
use crate::{feed, rectification, results};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Score the quarter that just ended as a draft.
    QuarterlyRun,
    /// Remind departments before rectification deadlines; escalate after them.
    Rectification,
    /// Send queued mail.
    Deliver,
}

impl JobKind {
    pub const ALL: [JobKind; 3] = [
        JobKind::QuarterlyRun,
        JobKind::Rectification,
        JobKind::Deliver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::QuarterlyRun => "quarterly_run",
            JobKind::Rectification => "rectification",
            JobKind::Deliver => "deliver",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobRun {
    pub job: JobKind,
    pub tick: String,
    /// `false` when this tick was already run (by another replica or an earlier call).
    pub ran: bool,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Run `job` for the tick of `now`, once across replicas: counted in `job_runs_total` by
/// outcome, timed, and traced as a `job.run` span.
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
        tick = %platform::jobs::tick_of(now),
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
    let tick = platform::jobs::tick_of(now);
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
    let detail = match job {
        JobKind::QuarterlyRun => {
            let q = Quarter::of(now).previous();
            if let Err(e) = feed::sync_departments(state).await {
                tracing::warn!(error = %e, "department sync failed; names may be stale");
            }
            let r = results::run(
                &state.db,
                &state.calendar(),
                &results::Author::scheduler(),
                now,
                q,
                state.settings.publication_due_day,
            )
            .await?;
            serde_json::json!({"result_id": r.id, "year": r.year, "quarter": r.quarter, "departments": r.departments.len()})
        }
        JobKind::Rectification => {
            let mut detail = rectification::remind_and_escalate(
                &state.db,
                &state.calendar(),
                state.settings.reminder_days,
                &state.settings.supervision_email,
                now,
            )
            .await?;
            // The same morning run reminds the assessment office of a publication that is
            // due soon and flags one that is overdue.
            let publication = results::publication_reminders(
                &state.db,
                now,
                state.settings.publication_due_day,
                state.settings.publication_reminder_days,
                &state.settings.supervision_email,
            )
            .await?;
            if let Some(o) = detail.as_object_mut() {
                o.insert("publication".into(), publication);
            }
            detail
        }
        JobKind::Deliver => {
            let r = deliver_due(
                &state.db,
                &state.mailer,
                &state.mail_from,
                now,
                &DeliveryPolicy::default(),
                200,
            )
            .await?;
            state.metrics.kit.observe_delivery(r.retried, r.failed);
            serde_json::to_value(r).unwrap_or_default()
        }
    };
    if job != JobKind::Deliver {
        platform::jobs::finish_tick(&state.db, job.as_str(), &tick, Utc::now()).await?;
    }
    Ok(JobRun {
        job,
        tick,
        ran: true,
        detail,
    })
}

fn cron(state: &AppState, schedule: &str, job: JobKind) -> Result<Job, String> {
    let state = state.clone();
    Job::new_async_tz(schedule, chrono_tz::Asia::Shanghai, move |_, _| {
        let state = state.clone();
        Box::pin(async move {
            match run_once(&state, job, state.now()).await {
                Ok(r) => tracing::info!(job = job.as_str(), ran = r.ran, detail = %r.detail, "job"),
                Err(e) => tracing::error!(job = job.as_str(), error = %e, "job failed; it runs again next tick"),
            }
        })
    })
    .map_err(|e| format!("{}: {e}", job.as_str()))
}

pub async fn start(state: AppState) -> Result<JobScheduler, String> {
    let sched = JobScheduler::new().await.map_err(|e| e.to_string())?;
    sched
        .add(cron(&state, "0 0 2 1 1,4,7,10 *", JobKind::QuarterlyRun)?)
        .await
        .map_err(|e| e.to_string())?;
    sched
        .add(cron(&state, "0 0 9 * * *", JobKind::Rectification)?)
        .await
        .map_err(|e| e.to_string())?;
    let st = state.clone();
    let deliver = Job::new_repeated_async(Duration::from_secs(15), move |_, _| {
        let state = st.clone();
        Box::pin(async move {
            if let Err(e) = run_once(&state, JobKind::Deliver, state.now()).await {
                tracing::error!(error = %e, "mail delivery failed; retrying next round");
            }
        })
    })
    .map_err(|e| e.to_string())?;
    sched.add(deliver).await.map_err(|e| e.to_string())?;
    sched.start().await.map_err(|e| e.to_string())?;
    Ok(sched)
}
