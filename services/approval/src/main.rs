//! `approval [serve|migrate|openapi|verify-audit]` (clap; `--help` prints and exits): run the
//! service (default), apply migrations and exit, print the OpenAPI document, or seal and
//! verify the audit chain (审计记录完整性校验; JSON on stdout, exit 1 when it breaks).

use std::sync::Arc;

use approval::startup::{self, Application};
use platform::clock::SystemClock;
use platform::config::Config;

#[tokio::main]
async fn main() {
    use platform::cli::Command;
    let cmd = platform::cli::parse(
        "approval",
        "Parallel-approval service (并联审批): catalogue, cases and branches, e-supervision, the event feed",
    );
    if cmd == Command::Openapi {
        print!("{}", approval::openapi::spec_json());
        return;
    }
    platform::telemetry::init_service("approval", "info,sqlx=warn,sea_orm_migration=warn");
    let config = match Config::from_env("approval", 8080) {
        Ok(c) => c,
        Err(e) => fail(&format!("configuration: {e}")),
    };
    match cmd {
        Command::Migrate => {
            let db = platform::db::connect(&config.database_url)
                .await
                .unwrap_or_else(|e| fail(&format!("database: {e}")));
            startup::migrate(&db)
                .await
                .unwrap_or_else(|e| fail(&format!("migration: {e}")));
            println!(
                "migrations applied to {}",
                platform::secret::redact_url(&config.database_url)
            );
        }
        Command::Serve => serve(config).await,
        Command::Openapi => {}
        Command::VerifyAudit => {
            let db = platform::db::connect(&config.database_url)
                .await
                .unwrap_or_else(|e| fail(&format!("database: {e}")));
            startup::migrate(&db)
                .await
                .unwrap_or_else(|e| fail(&format!("migration: {e}")));
            let v = approval::audit::store::verify(&db)
                .await
                .unwrap_or_else(|e| fail(&format!("verify: {e}")));
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            if !v.ok {
                std::process::exit(1);
            }
        }
    }
}

async fn serve(config: Config) {
    let demo = config.demo_data;
    let generated = config.jwt_secret_generated;
    let db_url = platform::secret::redact_url(&config.database_url);
    let bind = config.bind.clone();
    let app = Application::build(config, Arc::new(SystemClock))
        .await
        .unwrap_or_else(|e| fail(&platform::cli::explain_start_error(&e.to_string(), &bind)));
    let base = format!("http://127.0.0.1:{}", app.port());
    println!("parallel-approval service listening on {base}");
    println!("  database: {db_url}");
    println!("  API docs: {base}/docs/   (spec: {base}/openapi.json)");
    if generated {
        println!("  JWT_SECRET not set: a random development secret was generated for this run");
    }
    if demo {
        println!(
            "  demo users ({}): {}",
            approval::demo::DEMO_PASSWORD,
            approval::demo::DEMO_USERS.map(|(u, _)| u).join(", ")
        );
        println!(
            "  department staff (same password): {}",
            approval::demo::DEMO_DEPARTMENT_STAFF
                .map(|(_, slug)| format!("{slug}.reviewer, {slug}.approver"))
                .join(", ")
        );
        println!(
            "  get a token: curl -s -X POST {base}/v1/auth/token -H 'content-type: application/json' -d '{{\"username\":\"sysadmin\",\"password\":\"{}\"}}'",
            approval::demo::DEMO_PASSWORD
        );
    }
    let stopped = app.run_until_stopped().await;
    // Send the spans still buffered (blocking: off the runtime's threads).
    let _ = tokio::task::spawn_blocking(platform::telemetry::shutdown).await;
    if let Err(e) = stopped {
        fail(&format!("server: {e}"));
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("approval: {msg}");
    std::process::exit(1)
}
