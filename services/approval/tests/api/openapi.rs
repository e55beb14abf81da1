use reqwest::StatusCode;

use crate::helpers::*;

/// The committed spec must be exactly what the code generates (`make openapi`).
#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/approval.json");
    let committed = std::fs::read_to_string(path).expect("openapi/approval.json is committed");
    let generated = approval::openapi::spec_json();
    assert!(
        committed == generated,
        "openapi/approval.json is stale: run `make openapi` and commit the result"
    );
}

#[tokio::test]
async fn spec_and_docs_are_served() {
    let app = spawn_app().await;
    let spec = expect_status(app.get_anon("/openapi.json").await, StatusCode::OK).await;
    assert!(spec["paths"]["/v1/items"]["post"].is_object());
    assert!(spec["components"]["securitySchemes"]["bearer_auth"].is_object());
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    let r = app.get_anon("/docs/").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("swagger-ui"),
        "Swagger UI page served from embedded assets"
    );
    let r = app.get_anon("/docs/swagger-ui-bundle.js").await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// Every `$ref` of the spec names a schema it defines (`platform::openapi::unresolved_refs`).
#[test]
fn every_schema_reference_resolves() {
    let spec: serde_json::Value = serde_json::from_str(&approval::openapi::spec_json()).unwrap();
    let missing = platform::openapi::unresolved_refs(&spec);
    assert!(missing.is_empty(), "unresolved $ref: {missing:?}");
}
