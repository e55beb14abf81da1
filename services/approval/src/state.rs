//! What every handler can reach.

use std::sync::{Arc, RwLock};

use calendar::WorkCalendar;
use platform::clock::SharedClock;
use platform::config::Config;
use sea_orm::DatabaseConnection;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The working-day calendar, rebuilt from the holiday tables when they change.
    pub calendar: Arc<RwLock<WorkCalendar>>,
    pub redis: Option<redis::Client>,
    pub config: Config,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn calendar(&self) -> WorkCalendar {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
