//! Structured logs with tracing: JSON when `LOG_FORMAT=json`, human-readable otherwise.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(false);
    // try_init: a second call (tests) is not an error worth failing on.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
