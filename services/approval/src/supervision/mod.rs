//! E-supervision (电子监察): alerts and cards, the sweep, claims (审管互动), complaints (投诉),
//! statistics, digests, and the scheduler that runs them once per tick across replicas.

pub mod alerts;
pub mod cards;
pub mod claims;
pub mod complaints;
pub mod jobs;
pub mod reports;
pub mod scheduler;
pub mod stats;
pub mod sweep;
