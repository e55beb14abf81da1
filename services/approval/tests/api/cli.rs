//! The command line: `--help` prints and exits (it never starts a server), an unknown command
//! is refused, and a busy port is named with the `BIND` to change.

use std::process::Command;
use std::time::Duration;

fn run(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_approval"))
        .args(args)
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the binary");
    // A server would never exit by itself: give it 20 s, then fail the test.
    for _ in 0..200 {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().ok();
    panic!(
        "`approval {}` did not exit: it started a server",
        args.join(" ")
    );
}

#[test]
fn help_prints_and_exits_and_unknown_commands_are_refused() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
    ] {
        let out = run(args, &[]);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage"), "{args:?}: {text}");
    }
    let out = run(&["launch"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("launch"));
}

#[test]
fn a_busy_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = std::env::temp_dir().join(format!("approval-cli-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let out = run(
        &["serve"],
        &[
            ("BIND", addr.as_str()),
            ("DATABASE_URL", url.as_str()),
            ("SCHEDULER", "off"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{addr} is already in use")) && err.contains("BIND"),
        "{err}"
    );
    let _ = std::fs::remove_file(db);
}

#[test]
fn verify_audit_prints_the_chain_and_fails_when_it_breaks() {
    let db = std::env::temp_dir().join(format!("approval-cli-audit-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let envs = [("DATABASE_URL", url.as_str()), ("SCHEDULER", "off")];
    // A fresh database: migrated, nothing to seal, the chain holds.
    let out = run(&["verify-audit"], &envs);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["ok"], true);
    // Two rows written, sealed by the command; then one edited behind the trigger's back.
    let sql = |q: &str| {
        let st = Command::new("sqlite3").arg(&db).arg(q).status();
        st.map(|s| s.success()).unwrap_or(false)
    };
    if !sql("INSERT INTO audit_log (at, actor_name, action, entity, entity_id) VALUES ('2026-12-01 08:00:00+00:00', 'a', 'create', 'department', '1'), ('2026-12-01 08:01:00+00:00', 'a', 'create', 'department', '2')") {
        // No sqlite3 on this machine: the unit and API tests cover the rest.
        let _ = std::fs::remove_file(&db);
        return;
    }
    let out = run(&["verify-audit"], &envs);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["ok"].clone(), v["sealed"].clone()),
        (true.into(), 2.into())
    );
    assert!(sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'b' WHERE chain_seq = 2"));
    let out = run(&["verify-audit"], &envs);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["first_broken"]["chain_seq"], 2);
    assert_eq!(v["first_broken"]["reason"], "row_content_changed");
    let _ = std::fs::remove_file(&db);
}
