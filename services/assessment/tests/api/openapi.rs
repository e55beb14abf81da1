use reqwest::StatusCode;

use crate::helpers::*;

/// The committed spec must be exactly what the code generates (`make openapi`).
#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/assessment.json");
    let committed = std::fs::read_to_string(path).expect("openapi/assessment.json is committed");
    assert!(
        committed == assessment::openapi::spec_json(),
        "openapi/assessment.json is stale: run `make openapi` and commit it"
    );
}

#[tokio::test]
async fn spec_docs_and_probes_are_served() {
    let s = spawn().await;
    let spec = expect(
        s.client
            .get(format!("{}/openapi.json", s.assessment))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(spec["paths"]["/v1/results"]["post"].is_object());
    let r = s
        .client
        .get(format!("{}/docs/", s.assessment))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ready = expect(
        s.client
            .get(format!("{}/readyz", s.assessment))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["database"], "ok");
    s.submit_case().await;
    s.pull().await;
    let metrics = s
        .client
        .get(format!("{}/metrics", s.assessment))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("assessment_feed_lag_events 0"),
        "{metrics}"
    );
    let cursor = metrics
        .lines()
        .find(|l| l.starts_with("assessment_feed_cursor "))
        .unwrap();
    assert_ne!(cursor, "assessment_feed_cursor 0");
}
/// Every `$ref` of the spec names a schema it defines (`platform::openapi::unresolved_refs`).
#[test]
fn every_schema_reference_resolves() {
    let spec: serde_json::Value = serde_json::from_str(&assessment::openapi::spec_json()).unwrap();
    let missing = platform::openapi::unresolved_refs(&spec);
    assert!(missing.is_empty(), "unresolved $ref: {missing:?}");
}
