//! Two clocks per branch: the promised limit (承诺期限) gives warnings and yellow/red cards, the
//! statutory limit (法定期限), clocked with the same pauses, gives its own, more severe card
//! (`statutory_breach`, 超法定时限), reported apart in statistics and on the feed.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn a_statutory_breach_is_its_own_card() {
    let app = spawn_app().await;
    app.clock.set(at("2026-03-09T10:00:00+08:00"));
    let dept = app.create_department("TWO").await;
    let mut item = item_body("TWO-1", dept);
    item["promised_limit_days"] = json!(2);
    item["statutory_limit_days"] = json!(4);
    expect_status(
        app.post("/v1/items", &app.admin_token, &item).await,
        StatusCode::CREATED,
    )
    .await;
    let clerk = app.token(Role::Clerk, None);
    let body = json!({
        "item_code": "TWO-1",
        "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
        "materials": [
            {"item_code": "TWO-1", "material_code": "M01"},
            {"item_code": "TWO-1", "material_code": "M02"}
        ]
    });
    let case = expect_status(
        app.post("/v1/cases", &clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let b = &case["branches"][0];
    // Promised: Wed 11 Mar 17:00; statutory: Fri 13 Mar 17:00 — before the red card (3
    // working days after the promised due moment: Mon 16 Mar 17:00).
    assert_eq!(b["due_at"], "2026-03-11T09:00:00Z");
    assert_eq!(b["statutory_due_at"], "2026-03-13T09:00:00Z");
    let id = b["id"].as_i64().unwrap();
    let sup = app.token(Role::Supervisor, None);
    let empty = json!({});
    let sweep = |t: &str| {
        app.clock.set(at(t));
        app.post("/v1/supervision/jobs/sweep/run", &sup, &empty)
    };
    let r = expect_status(sweep("2026-03-13T18:00:00+08:00").await, StatusCode::OK).await;
    assert!(r.to_string().contains("statutory_breaches"), "{r}");
    let cards = expect_status(
        app.get(&format!("/v1/cards?case_id={}", case["id"]), &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    let mut levels: Vec<String> = cards["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["level"].as_str().unwrap().to_string())
        .collect();
    levels.sort();
    assert_eq!(levels, vec!["statutory_breach", "warning", "yellow"]);
    let branch = expect_status(
        app.get(&format!("/v1/branches/{id}"), &sup).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(branch["statutory_breached"], true);
    // Once only, and the red card still comes on its own moment.
    expect_status(sweep("2026-03-16T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(
        app.count_rows("cards WHERE level = 'statutory_breach'")
            .await,
        1
    );
    assert_eq!(app.count_rows("cards WHERE level = 'red'").await, 1);
    let stats = expect_status(
        app.get("/v1/statistics?from=2026-03-01&to=2026-03-31", &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        stats.to_string().contains("\"statutory_breaches\":1"),
        "{stats}"
    );
    let feed = expect_status(
        app.get("/v1/events?after=0&limit=100", &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "card_issued" && e["payload"]["level"] == "statutory_breach"));
}
