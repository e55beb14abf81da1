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
/// Every `$ref` of the spec names a schema it defines (a type used only as a parameter is
/// easily left out of `components`, and generated clients then fail).
#[test]
fn every_schema_reference_resolves() {
    let spec: serde_json::Value = serde_json::from_str(&assessment::openapi::spec_json()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut missing = std::collections::BTreeSet::new();
    fn walk(
        v: &serde_json::Value,
        schemas: &serde_json::Map<String, serde_json::Value>,
        missing: &mut std::collections::BTreeSet<String>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    let name = r.trim_start_matches("#/components/schemas/");
                    if !schemas.contains_key(name) {
                        missing.insert(name.to_string());
                    }
                }
                m.values().for_each(|x| walk(x, schemas, missing));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, schemas, missing)),
            _ => {}
        }
    }
    walk(&spec, schemas, &mut missing);
    assert!(missing.is_empty(), "unresolved $ref: {missing:?}");
}
