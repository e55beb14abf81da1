//! The scheduler (tokio-cron-scheduler): the sweep on `SWEEP_CRON` (default every minute),
//! notice delivery every `DELIVERY_INTERVAL_SECONDS`, the daily digest at 08:00, the weekly
//! notice (周通报) on Mondays at 08:30, the monthly analysis (月分析) on the 1st at 09:00,
//! housekeeping (expired idempotency keys) every hour at :05, all in Asia/Shanghai; the
//! audit sealer every `AUDIT_SEAL_INTERVAL_SECONDS` (default 60) and the audit retention
//! purge daily at 03:30. Each run goes through [`jobs::run_once`], so several replicas run
//! each job once per tick.

use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::ApiError;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::jobs::{self, JobKind};
use crate::notices::delivery::{self, DeliveryPolicy, DeliveryReport};
use crate::state::AppState;

/// Send what is due now (used by the delivery job and the on-demand endpoint).
pub async fn deliver(state: &AppState, now: DateTime<Utc>) -> Result<DeliveryReport, ApiError> {
    let report = delivery::deliver_due(
        &state.db,
        &state.mailer,
        &state.mail_from,
        now,
        &DeliveryPolicy::default(),
        200,
    )
    .await?;
    state
        .metrics
        .kit
        .observe_delivery(report.retried, report.failed);
    Ok(report)
}

fn cron_job(state: &AppState, schedule: &str, job: JobKind) -> Result<Job, String> {
    let state = state.clone();
    Job::new_async_tz(schedule, chrono_tz::Asia::Shanghai, move |_, _| {
        let state = state.clone();
        Box::pin(async move {
            let now = state.now();
            match jobs::run_once(&state, job, now).await {
                Ok(r) if r.ran => tracing::info!(job = job.as_str(), tick = %r.tick, detail = %r.detail, "job ran"),
                Ok(r) => tracing::debug!(job = job.as_str(), tick = %r.tick, "job skipped: {}", r.detail),
                Err(e) => tracing::error!(job = job.as_str(), error = %e, "job failed; it runs again next tick"),
            }
        })
    })
    .map_err(|e| format!("{}: schedule `{schedule}`: {e}", job.as_str()))
}

pub async fn start(state: AppState) -> Result<JobScheduler, String> {
    let sched = JobScheduler::new().await.map_err(|e| e.to_string())?;
    let s = &state.supervision;
    let jobs = [
        cron_job(&state, &s.sweep_cron, JobKind::Sweep)?,
        cron_job(&state, "0 0 8 * * *", JobKind::DailyDigest)?,
        cron_job(&state, "0 30 8 * * Mon", JobKind::WeeklyNotice)?,
        cron_job(&state, "0 0 9 1 * *", JobKind::MonthlyAnalysis)?,
        cron_job(&state, "0 5 * * * *", JobKind::Housekeeping)?,
        cron_job(&state, "0 30 3 * * *", JobKind::AuditPurge)?,
    ];
    for j in jobs {
        sched.add(j).await.map_err(|e| e.to_string())?;
    }
    let st = state.clone();
    let deliver_job = Job::new_repeated_async(
        Duration::from_secs(u64::from(s.delivery_interval_secs)),
        move |_, _| {
            let state = st.clone();
            Box::pin(async move {
                if let Err(e) = jobs::run_once(&state, JobKind::Deliver, state.now()).await {
                    tracing::error!(error = %e, "notice delivery failed; retrying next round");
                }
            })
        },
    )
    .map_err(|e| e.to_string())?;
    sched.add(deliver_job).await.map_err(|e| e.to_string())?;
    let st = state.clone();
    let seal_job = Job::new_repeated_async(
        Duration::from_secs(u64::from(state.audit.seal_interval_secs)),
        move |_, _| {
            let state = st.clone();
            Box::pin(async move {
                if let Err(e) = jobs::run_once(&state, JobKind::AuditSeal, state.now()).await {
                    tracing::error!(error = %e, "audit sealing failed; retrying next round");
                }
            })
        },
    )
    .map_err(|e| e.to_string())?;
    sched.add(seal_job).await.map_err(|e| e.to_string())?;
    sched.start().await.map_err(|e| e.to_string())?;
    Ok(sched)
}
