//! The assessment service's figures for `/metrics`, on top of the shared kit
//! ([`platform::metrics::Metrics`]: HTTP, database pool, job runs, outbox, mail failures):
//! the feed consumer's cursor, head, lag, halt and failing time. The feed names and help texts
//! are the ones the service always exported (tests, docs and alerts use them). Gauges read
//! from the database are filled at scrape time ([`AssessmentMetrics::render`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use platform::metrics::Metrics;
use prometheus::IntGauge;
use sea_orm::DatabaseConnection;

use crate::feed;
use crate::jobs::JobKind;

#[derive(Debug, Clone)]
pub struct AssessmentMetrics {
    /// The shared kit; also app data for the request middleware.
    pub kit: Arc<Metrics>,
    feed_cursor: IntGauge,
    feed_head: IntGauge,
    feed_lag: IntGauge,
    feed_halted: IntGauge,
    feed_failing: IntGauge,
}

fn gauge(kit: &Metrics, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("feed gauge definition");
    kit.register(&g);
    g
}

impl AssessmentMetrics {
    pub fn new() -> Self {
        let kit = Arc::new(Metrics::new());
        let m = AssessmentMetrics {
            feed_cursor: gauge(&kit, "assessment_feed_cursor", "Last applied event seq."),
            feed_head: gauge(
                &kit,
                "assessment_feed_head",
                "Newest event seq reported by the approval service.",
            ),
            feed_lag: gauge(
                &kit,
                "assessment_feed_lag_events",
                "Events not yet applied.",
            ),
            feed_halted: gauge(
                &kit,
                "assessment_feed_halted",
                "1 when the consumer stopped on a different feed epoch.",
            ),
            feed_failing: gauge(
                &kit,
                "assessment_feed_failing_seconds",
                "How long every poll has failed (0 when healthy).",
            ),
            kit,
        };
        for j in JobKind::ALL {
            m.kit.declare_job(j.as_str());
        }
        m
    }

    /// Fill the gauges read from the database, then render. A failed read leaves the last
    /// values (logged), so a scrape never fails on a busy database.
    pub async fn render(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> String {
        self.kit.refresh_pool(db);
        match feed::status(db).await {
            Ok(s) => {
                self.feed_cursor.set(s.cursor);
                self.feed_head.set(s.head);
                self.feed_lag.set(s.lag_events);
                self.feed_halted.set(i64::from(s.halted.is_some()));
                self.feed_failing.set(
                    s.failing_since
                        .map(|t| (now - t).num_seconds().max(0))
                        .unwrap_or(0),
                );
            }
            Err(e) => tracing::warn!(error = %e, "metrics: feed status not read"),
        }
        match outbox::queue_stats(db, now).await {
            Ok(f) => self.kit.set_outbox(f),
            Err(e) => tracing::warn!(error = %e, "metrics: outbox figures not read"),
        }
        self.kit.render()
    }
}

impl Default for AssessmentMetrics {
    fn default() -> Self {
        AssessmentMetrics::new()
    }
}
