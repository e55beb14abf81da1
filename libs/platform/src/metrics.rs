//! The metrics kit both services share (Prometheus text exposition, `GET /metrics`): HTTP
//! requests by route template and status, request latency, the database pool, job runs by
//! outcome, the mail outbox's depth and oldest pending notice, and mail delivery failures.
//! Each service registers its own figures on the same [`Registry`] ([`Metrics::registry`])
//! and fills its gauges at scrape time.
//!
//! One registry per application (not the process-wide default), so two services or two test
//! apps in one process never mix their counters.
//!
//! Names follow the Prometheus conventions: `_total` counters, `_seconds` durations, base
//! units. The route label is the matched route template (`/v1/cases/{id}`), never the raw
//! path, and `unmatched` for a path no route matched, so the label's values stay a small set.

use std::time::Duration;

use actix_web::HttpResponse;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use sea_orm::DatabaseConnection;

/// Latency buckets of `http_request_duration_seconds`, seconds: the product's own default
/// (5 ms to 10 s, the shape of the Prometheus client default).
pub const HTTP_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Duration buckets of scheduled work (jobs, the sweep), seconds: the product's own default
/// (10 ms to 10 min: a sweep of a quiet minute is milliseconds, a quarterly run minutes).
pub const JOB_BUCKETS: [f64; 11] = [
    0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0,
];

/// The route label of a request no route matched (404s of unknown paths, scanners).
pub const UNMATCHED: &str = "unmatched";

/// How a job run ended, the `outcome` label of `job_runs_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// The run did its work.
    Ran,
    /// Another replica (or an earlier call) had the tick, or held the lock.
    Skipped,
    /// The run failed; its tick is given back and it runs again.
    Failed,
}

impl JobOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            JobOutcome::Ran => "ran",
            JobOutcome::Skipped => "skipped",
            JobOutcome::Failed => "failed",
        }
    }
}

/// The outbox figures a service reads at scrape time (`outbox::queue_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxFigures {
    /// Notices not yet sent or given up on (`pending` or `sending`).
    pub depth: i64,
    /// Age of the oldest of them, seconds (0 when the queue is empty).
    pub oldest_pending_seconds: i64,
}

#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    db_pool_connections: IntGauge,
    db_pool_idle: IntGauge,
    db_pool_max: IntGauge,
    job_runs: IntCounterVec,
    job_duration: HistogramVec,
    outbox_depth: IntGauge,
    outbox_oldest: IntGauge,
    mail_failures: IntCounterVec,
}

fn must<T>(r: prometheus::Result<T>) -> T {
    // Only fails for an invalid name or label, or a name registered twice: fixed in code.
    r.unwrap_or_else(|e| panic!("metrics definition: {e}"))
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = must(IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by method, route template and status.",
            ),
            &["method", "route", "status"],
        ));
        let http_duration = must(HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by method and route template.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["method", "route"],
        ));
        let db_pool_connections = must(IntGauge::new(
            "db_pool_connections",
            "Connections the database pool holds (idle and in use).",
        ));
        let db_pool_idle = must(IntGauge::new(
            "db_pool_idle_connections",
            "Idle connections in the database pool.",
        ));
        let db_pool_max = must(IntGauge::new(
            "db_pool_max_connections",
            "The database pool's configured maximum.",
        ));
        let job_runs = must(IntCounterVec::new(
            Opts::new(
                "job_runs_total",
                "Scheduled job runs (by the scheduler or on demand), by job and outcome (ran, skipped, failed).",
            ),
            &["job", "outcome"],
        ));
        let job_duration = must(HistogramVec::new(
            HistogramOpts::new(
                "job_run_duration_seconds",
                "Time of a job run that did its work or failed, by job.",
            )
            .buckets(JOB_BUCKETS.to_vec()),
            &["job"],
        ));
        let outbox_depth = must(IntGauge::new(
            "outbox_queue_depth",
            "Mail notices queued and not yet sent or given up on (pending or sending).",
        ));
        let outbox_oldest = must(IntGauge::new(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest queued notice, seconds (0 when the queue is empty).",
        ));
        let mail_failures = must(IntCounterVec::new(
            Opts::new(
                "outbox_delivery_failures_total",
                "Mail delivery attempts that failed: transient (rescheduled) or permanent (given up).",
            ),
            &["kind"],
        ));
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(db_pool_connections.clone()),
            Box::new(db_pool_idle.clone()),
            Box::new(db_pool_max.clone()),
            Box::new(job_runs.clone()),
            Box::new(job_duration.clone()),
            Box::new(outbox_depth.clone()),
            Box::new(outbox_oldest.clone()),
            Box::new(mail_failures.clone()),
        ] {
            must(registry.register(c));
        }
        // Both failure kinds exported from the start (0), so a rate() has a series to read.
        for kind in ["transient", "permanent"] {
            mail_failures.with_label_values(&[kind]);
        }
        Metrics {
            registry,
            http_requests,
            http_duration,
            db_pool_connections,
            db_pool_idle,
            db_pool_max,
            job_runs,
            job_duration,
            outbox_depth,
            outbox_oldest,
            mail_failures,
        }
    }

    /// The registry the service adds its own figures to.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Register a collector of the service; a bad definition is a bug in code.
    pub fn register<C: prometheus::core::Collector + Clone + 'static>(&self, c: &C) {
        must(self.registry.register(Box::new(c.clone())));
    }

    /// One answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.http_requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.http_duration
            .with_label_values(&[method, route])
            .observe(took.as_secs_f64());
    }

    /// One job run; `took` only counts for runs that did work or failed.
    pub fn observe_job(&self, job: &str, outcome: JobOutcome, took: Duration) {
        self.job_runs
            .with_label_values(&[job, outcome.as_str()])
            .inc();
        if outcome != JobOutcome::Skipped {
            self.job_duration
                .with_label_values(&[job])
                .observe(took.as_secs_f64());
        }
    }

    /// Make a job's series exist (at 0) before its first run.
    pub fn declare_job(&self, job: &str) {
        for o in [JobOutcome::Ran, JobOutcome::Skipped, JobOutcome::Failed] {
            self.job_runs.with_label_values(&[job, o.as_str()]);
        }
    }

    /// What a delivery run reported: `retried` transient and `failed` permanent failures.
    pub fn observe_delivery(&self, retried: u32, failed: u32) {
        self.mail_failures
            .with_label_values(&["transient"])
            .inc_by(u64::from(retried));
        self.mail_failures
            .with_label_values(&["permanent"])
            .inc_by(u64::from(failed));
    }

    pub fn set_outbox(&self, f: OutboxFigures) {
        self.outbox_depth.set(f.depth);
        self.outbox_oldest.set(f.oldest_pending_seconds);
    }

    /// Read the pool's size and idle count (cheap: no query).
    pub fn refresh_pool(&self, db: &DatabaseConnection) {
        let (size, idle, max) = pool_figures(db);
        self.db_pool_connections.set(size);
        self.db_pool_idle.set(idle);
        self.db_pool_max.set(max);
    }

    /// Everything in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::warn!(error = %e, "metrics: encoding failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }

    /// The `/metrics` answer.
    pub fn response(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(CONTENT_TYPE)
            .body(self.render())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn pool_figures(db: &DatabaseConnection) -> (i64, i64, i64) {
    match db {
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let p = db.get_postgres_connection_pool();
            (
                i64::from(p.size()),
                p.num_idle() as i64,
                i64::from(p.options().get_max_connections()),
            )
        }
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let p = db.get_sqlite_connection_pool();
            (
                i64::from(p.size()),
                p.num_idle() as i64,
                i64::from(p.options().get_max_connections()),
            )
        }
        _ => (0, 0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_jobs_and_the_outbox_render_as_exposition_text() {
        let m = Metrics::new();
        m.observe_request("GET", "/v1/cases/{id}", 200, Duration::from_millis(3));
        m.observe_job("sweep", JobOutcome::Skipped, Duration::from_secs(1));
        m.observe_delivery(2, 1);
        m.set_outbox(OutboxFigures {
            depth: 4,
            oldest_pending_seconds: 90,
        });
        let t = m.render();
        assert!(t.contains(
            "http_requests_total{method=\"GET\",route=\"/v1/cases/{id}\",status=\"200\"} 1"
        ));
        assert!(t.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/cases/{id}\",le=\"0.005\"} 1"));
        assert!(t.contains("job_runs_total{job=\"sweep\",outcome=\"skipped\"} 1"));
        // A skipped run did no work: not timed.
        assert!(!t.contains("job_run_duration_seconds_count{job=\"sweep\"}"));
        assert!(t.contains("outbox_delivery_failures_total{kind=\"transient\"} 2"));
        assert!(t.contains("outbox_delivery_failures_total{kind=\"permanent\"} 1"));
        assert!(t.contains("outbox_queue_depth 4"));
        assert!(t.contains("outbox_oldest_pending_age_seconds 90"));
        assert!(t.contains("# TYPE http_request_duration_seconds histogram"));
    }
}
