//! The approval service's figures for `/metrics`, on top of the shared kit
//! ([`platform::metrics::Metrics`]: HTTP, database pool, job runs, outbox, mail failures):
//! the e-supervision sweep's duration and the alerts it issued, by kind, and each webhook
//! subscription's lag. Gauges read from the database (outbox depth and age, webhook lag) are
//! filled at scrape time ([`ApprovalMetrics::render`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::metrics::{Metrics, JOB_BUCKETS};
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts};
use sea_orm::DatabaseConnection;

use crate::supervision::jobs::JobKind;
use crate::supervision::sweep::SweepReport;

#[derive(Debug, Clone)]
pub struct ApprovalMetrics {
    /// The shared kit; also app data for the request middleware.
    pub kit: Arc<Metrics>,
    sweep_duration: Histogram,
    sweep_alerts: IntCounterVec,
    /// Per webhook subscription (label `subscription`: its id), refreshed at scrape time.
    webhook_lag_events: IntGaugeVec,
    webhook_oldest_seconds: IntGaugeVec,
    webhook_failures: IntGaugeVec,
    webhook_dead: IntGaugeVec,
}

/// The `kind` label of `approval_sweep_alerts_total`, in the order of [`SweepReport`].
pub const ALERT_KINDS: [&str; 8] = [
    "warning",
    "yellow_card",
    "red_card",
    "statutory_breach",
    "pause_overdue",
    "case_card",
    "issuance_overdue",
    "unclaimed",
];

impl ApprovalMetrics {
    pub fn new() -> Self {
        let kit = Arc::new(Metrics::new());
        let sweep_duration = Histogram::with_opts(
            HistogramOpts::new(
                "approval_sweep_duration_seconds",
                "Time of one e-supervision sweep (电子监察 巡检) that ran.",
            )
            .buckets(JOB_BUCKETS.to_vec()),
        )
        .expect("sweep histogram definition");
        let sweep_alerts = IntCounterVec::new(
            Opts::new(
                "approval_sweep_alerts_total",
                "Alerts the sweep issued, by kind (warning, yellow_card, red_card, statutory_breach, pause_overdue, case_card, issuance_overdue, unclaimed).",
            ),
            &["kind"],
        )
        .expect("sweep alerts definition");
        kit.register(&sweep_duration);
        kit.register(&sweep_alerts);
        let gauge = |name: &str, help: &str| {
            let g = IntGaugeVec::new(Opts::new(name, help), &["subscription"])
                .expect("webhook gauge definition");
            kit.register(&g);
            g
        };
        let webhook_lag_events = gauge(
            "approval_webhook_lag_events",
            "Feed events past a webhook subscription's cursor (not yet delivered), by subscription id.",
        );
        let webhook_oldest_seconds = gauge(
            "approval_webhook_oldest_undelivered_seconds",
            "Age of the first feed event a webhook subscription has not yet been sent, by subscription id.",
        );
        let webhook_failures = gauge(
            "approval_webhook_consecutive_failures",
            "Consecutive failed deliveries of a webhook subscription, by subscription id.",
        );
        let webhook_dead = gauge(
            "approval_webhook_dead",
            "1 when a webhook subscription is dead (stopped after WEBHOOK_MAX_FAILURES), by subscription id.",
        );
        for k in ALERT_KINDS {
            sweep_alerts.with_label_values(&[k]);
        }
        for j in JobKind::ALL {
            kit.declare_job(j.as_str());
        }
        ApprovalMetrics {
            kit,
            sweep_duration,
            sweep_alerts,
            webhook_lag_events,
            webhook_oldest_seconds,
            webhook_failures,
            webhook_dead,
        }
    }

    /// One sweep that ran: its duration and what it issued.
    pub fn observe_sweep(&self, took: Duration, r: &SweepReport) {
        self.sweep_duration.observe(took.as_secs_f64());
        let counts = [
            r.warnings,
            r.yellow_cards,
            r.red_cards,
            r.statutory_breaches,
            r.pauses_overdue,
            r.case_cards,
            r.issuance_overdue,
            r.unclaimed,
        ];
        for (kind, n) in ALERT_KINDS.iter().zip(counts) {
            self.sweep_alerts
                .with_label_values(&[kind])
                .inc_by(u64::from(n));
        }
    }

    /// Fill the gauges read from the database, then render. A failed read leaves the last
    /// values (logged), so a scrape never fails on a busy database.
    pub async fn render(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> String {
        self.kit.refresh_pool(db);
        match outbox::queue_stats(db, now).await {
            Ok(f) => self.kit.set_outbox(f),
            Err(e) => tracing::warn!(error = %e, "metrics: outbox figures not read"),
        }
        match crate::webhooks::lag_figures(db, now).await {
            Ok(figures) => {
                // Deleted or deactivated subscriptions leave the exposition.
                for g in [
                    &self.webhook_lag_events,
                    &self.webhook_oldest_seconds,
                    &self.webhook_failures,
                    &self.webhook_dead,
                ] {
                    g.reset();
                }
                for f in figures {
                    let id = f.id.to_string();
                    self.webhook_lag_events
                        .with_label_values(&[&id])
                        .set(f.lag_events);
                    self.webhook_oldest_seconds
                        .with_label_values(&[&id])
                        .set(f.oldest_age_seconds);
                    self.webhook_failures
                        .with_label_values(&[&id])
                        .set(i64::from(f.failures));
                    self.webhook_dead
                        .with_label_values(&[&id])
                        .set(i64::from(f.dead));
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: webhook figures not read"),
        }
        self.kit.render()
    }
}

impl Default for ApprovalMetrics {
    fn default() -> Self {
        ApprovalMetrics::new()
    }
}
