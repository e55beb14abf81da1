//! `assessment [serve|migrate|openapi]` (clap; `--help` prints and exits).

use std::sync::Arc;

use assessment::startup::{self, Application};
use platform::clock::SystemClock;
use platform::config::Config;

#[tokio::main]
async fn main() {
    use platform::cli::Command;
    let cmd = platform::cli::parse(
        "assessment",
        "Assessment service: follows the approval feed, scores quarters, serves the cadre API",
    );
    if cmd == Command::Openapi {
        print!("{}", assessment::openapi::spec_json());
        return;
    }
    platform::telemetry::init_service("assessment", "info,sqlx=warn,sea_orm_migration=warn");
    let config = Config::from_env("assessment", 8081)
        .unwrap_or_else(|e| fail(&format!("configuration: {e}")));
    match cmd {
        Command::Migrate => {
            let db = platform::db::connect(&config.database_url)
                .await
                .unwrap_or_else(|e| fail(&format!("database: {e}")));
            startup::migrate(&db)
                .await
                .unwrap_or_else(|e| fail(&format!("migration: {e}")));
            println!("assessment migrations applied");
        }
        Command::Serve => {
            let bind = config.bind.clone();
            let app = Application::build(config, Arc::new(SystemClock))
                .await
                .unwrap_or_else(|e| {
                    fail(&platform::cli::explain_start_error(&e.to_string(), &bind))
                });
            let base = format!("http://127.0.0.1:{}", app.port());
            println!("assessment service listening on {base}");
            println!("  API docs: {base}/docs/   (spec: {base}/openapi.json)");
            println!(
                "  following the approval feed at {}",
                app.state.approval.base()
            );
            let stopped = app.run_until_stopped().await;
            // Send the spans still buffered (blocking: off the runtime's threads).
            let _ = tokio::task::spawn_blocking(platform::telemetry::shutdown).await;
            if let Err(e) = stopped {
                fail(&format!("server: {e}"));
            }
        }
        Command::Openapi => {}
        Command::VerifyAudit => fail(
            "verify-audit: the assessment service keeps no hash-chained audit trail (run it on the approval service)",
        ),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("assessment: {msg}");
    std::process::exit(1)
}
