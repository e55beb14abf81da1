//! Two clocks per branch: the promised limit (承诺期限) gives warnings and yellow/red cards, the
//! statutory limit (法定期限), clocked with the same pauses, gives its own, more severe card
//! (`statutory_breach`, 超法定时限), reported apart in statistics and on the feed.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_statutory_breach_is_its_own_card() {
    let app = spawn_app().await;
    app.clock.set(at("2026-03-09T10:00:00+08:00"));
    let case = app.item_case("TWO-1", 2, 4, |_| {}).await;
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
        app.get(
            "/v1/events?after=0&limit=100",
            &app.token(Role::Service, None),
        )
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

/// The case carries the bundle's promise (Hohhot: 5 working days) as its own clock, carded to
/// the lead department (牵头部门), which sees every branch; after the decision, issuance is
/// clocked (10 working days, 行政许可法 第四十四条).
#[tokio::test]
async fn the_case_clock_and_the_issuance_clock_card_the_lead_department() {
    let h = crate::cases::hohhot().await; // Mon 9 Mar 2026 10:00
    let case = h.submit().await;
    let id = case["id"].as_i64().unwrap();
    let lead = case["lead_department_id"].as_i64().unwrap() as i32;
    assert_eq!(case["due_at"], "2026-03-16T09:00:00Z");
    // The lead department's reviewer sees another department's branch of its bundle.
    let other = case["branches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["department_id"] != lead)
        .unwrap()
        .clone();
    let lead_reviewer = h.reviewer(lead);
    expect_status(
        h.app
            .get(&format!("/v1/branches/{}", other["id"]), &lead_reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    let outsider = h.app.create_department("OUT").await;
    expect_status(
        h.app
            .get(
                &format!("/v1/branches/{}", other["id"]),
                &h.reviewer(outsider),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let sup = h.app.token(Role::Supervisor, None);
    let empty = json!({});
    let sweep = |t: &str| {
        h.app.clock.set(at(t));
        h.app.post("/v1/supervision/jobs/sweep/run", &sup, &empty)
    };
    let case_cards = |sql: &str| {
        let app = &h.app;
        let sql = format!("cards WHERE subject_kind = 'case' AND subject_id = {id} {sql}");
        async move { app.count_rows(&sql).await }
    };
    // Mon 16 Mar 18:00: the promise passed undecided → a yellow card on the case, to the lead.
    let r = expect_status(sweep("2026-03-16T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(r["detail"]["case_cards"], 1, "{r}");
    assert_eq!(
        case_cards(&format!("AND level = 'yellow' AND department_id = {lead}")).await,
        1
    );
    // Decided on Tue 17 Mar: the case's cards close late; issuance is due Tue 31 Mar 17:00.
    h.app.clock.set(at("2026-03-17T10:00:00+08:00"));
    for b in case["branches"].as_array().unwrap() {
        h.approve(b).await;
    }
    let decided = h.case(id).await;
    assert_eq!(decided["state"], "ready_for_issuance");
    assert_eq!(decided["issuance_due_at"], "2026-03-31T09:00:00Z");
    assert_eq!(case_cards("AND closed_how = 'finished_late'").await, 1);
    expect_status(sweep("2026-03-31T16:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(case_cards("AND level = 'issuance_overdue'").await, 0);
    let r = expect_status(sweep("2026-03-31T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(r["detail"]["issuance_overdue"], 1, "{r}");
    // Issued at last: the card closes.
    let paid = json!({"amount_cents": decided["fee_total_cents"], "reference": "POS-9"});
    expect_status(
        h.app
            .post(&format!("/v1/cases/{id}/payment"), &h.clerk, &paid)
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        h.app
            .post(&format!("/v1/cases/{id}/issue"), &h.clerk, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        case_cards("AND level = 'issuance_overdue' AND closed_how = 'issued'").await,
        1
    );
    expect_status(sweep("2026-04-30T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(case_cards("").await, 2, "no more case cards once issued");
}
