//! A client generated from `openapi/assessment.json` by a third-party generator
//! (openapi-python-client, prepared by `scripts/python-client.sh`) calls the live service.

use platform::auth::Role;
use serde_json::Value;

#[tokio::test]
async fn generated_python_client_calls_the_live_service() {
    let (python, dir) = match (
        std::env::var("PYCLIENT_PYTHON"),
        std::env::var("PYCLIENT_DIR"),
    ) {
        (Ok(p), Ok(d)) => (p, d),
        _ if std::env::var("CI").is_ok() => panic!(
            "CI must prepare the generated client: eval \"$(bash scripts/python-client.sh)\""
        ),
        _ => {
            eprintln!(
                "skipped: run `eval \"$(bash scripts/python-client.sh)\"` first (make test does)"
            );
            return;
        }
    };
    let (s, _) = crate::cadre::published_quarter().await;
    let gaj = s.d("HHHT-GAJ");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/pyclient_smoke.py"
    );
    let out = tokio::process::Command::new(&python)
        .arg(script)
        .env("PYCLIENT_DIR", &dir)
        .env("BASE_URL", &s.assessment)
        .env("TOKEN", s.token(Role::OrgDept, None))
        .env("YEAR", "2026")
        .env("DEPARTMENT", gaj.to_string())
        .output()
        .await
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json from the client");
    assert_eq!(v["schemes"], serde_json::json!(["hohhot", "qingyang"]));
    assert_eq!(v["status"], 200);
    let gaj_row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["department_id"] == gaj)
        .unwrap();
    assert_eq!(
        (gaj_row["contribution"].as_f64(), gaj_row["out_of"].as_f64()),
        (Some(17.5), Some(35.0))
    );
    assert_eq!(v["one"]["status"], 200);
    assert_eq!(
        (
            v["one"]["contribution"].as_f64(),
            v["one"]["zeroed"].as_bool()
        ),
        (Some(0.0), Some(true))
    );
    assert_eq!(
        (
            v["refused"]["status"].as_i64(),
            v["refused"]["code"].as_str()
        ),
        (Some(409), Some("quarters_unpublished"))
    );
}
