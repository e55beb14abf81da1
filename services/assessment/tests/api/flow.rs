use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

pub async fn manual(s: &Services, dept: i32, points: [f64; 4]) {
    let assessor = s.token(Role::Assessor, None);
    for (cat, p) in ["standardisation", "openness", "quality", "integrity"]
        .iter()
        .zip(points)
    {
        let body = json!({"department_id": dept, "year": 2026, "quarter": 1, "category": cat, "points": p, "evidence": [format!("审管办检查记录 2026-{cat}")]});
        expect(
            s.put("/v1/manual-scores", &assessor, &body).await,
            StatusCode::OK,
        )
        .await;
    }
}

pub async fn onsite(s: &Services, case_id: i64, dept: i32, level: &str) {
    let clerk = s.token(Role::Clerk, None);
    expect(
        s.post(
            "/v1/ratings/onsite",
            &clerk,
            &json!({"case_id": case_id, "department_id": dept, "level": level, "visit_ref": format!("V-{dept}-{level}")}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

/// Cases flow through the approval service, the feed is consumed, the quarter is scored,
/// published, and the failing department gets its rectification order and its mail.
#[tokio::test]
async fn a_quarter_from_cases_to_rectification() {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    let c1 = s.submit_case().await;
    let c2 = s.submit_case().await;
    for d in [scjg, zjj, swj, gaj] {
        s.approve_branch(&branch(&c1, d)).await; // Mon 9 Mar: on time and early
    }
    for d in [scjg, zjj, swj] {
        s.approve_branch(&branch(&c2, d)).await;
    }
    // The seal engraving of case 2 (due Tue 10 Mar 17:00) is decided late, after a card.
    s.clock.set(at("2026-03-11T09:00:00+08:00"));
    let sup = s.token(Role::Supervisor, None);
    expect(
        s.approval_post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    s.approve_branch(&branch(&c2, gaj)).await;

    let status = s.pull().await;
    assert_eq!(status["lag_events"], 0, "{status}");
    assert!(status["cursor"].as_i64().unwrap() > 20);
    assert_eq!(s.count("a_cases").await, 2);
    assert_eq!(s.count("a_branches").await, 8);
    assert_eq!(
        s.count("a_cards").await,
        2,
        "the warning and the yellow card of the late branch"
    );

    for d in [scjg, zjj, swj] {
        manual(&s, d, [15.0, 10.0, 10.0, 5.0]).await;
        onsite(&s, c1["id"].as_i64().unwrap(), d, "very_satisfied").await;
    }
    manual(&s, gaj, [5.0, 3.0, 3.0, 2.0]).await;
    onsite(&s, c1["id"].as_i64().unwrap(), gaj, "dissatisfied").await;

    let assessor = s.token(Role::Assessor, None);
    let r = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(r["status"], "draft");
    let rows = r["departments"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    // Hand-computed (ZJJ, SWJ): coverage 10 + efficiency 20 + data exchange 10 + satisfaction
    // 15 (满意率 100 %) + volume 1 (2 cases: tier 1 of 5) + manual 40 = 96.00, excellent. (SCJG has
    // a second power without an item in the demo list: coverage 50 %, 91.00.)
    assert_eq!(
        (rows[0]["total"].as_f64(), rows[0]["grade"].as_str()),
        (Some(96.0), Some("excellent"))
    );
    // GAJ: coverage 10 (its one power has its item and a case) + efficiency 20 × (0.8 × 50 %
    // on time + 0.2 × 50 % early) = 10 + data exchange 10 + satisfaction 0 (不满意: 满意率 0 %)
    // + volume 1 + manual 13 − 0.50 (the yellow card of the late branch) = 43.50, fail; ranked
    // last. (Before, the card cost nothing: 44.00.)
    let last = rows.last().unwrap();
    assert_eq!(
        (
            last["department_id"].as_i64(),
            last["total"].as_f64(),
            last["grade"].as_str(),
            last["rank"].as_i64()
        ),
        (Some(gaj as i64), Some(43.5), Some("fail"), Some(4))
    );
    let eff = last["breakdown"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "efficiency")
        .unwrap()
        .clone();
    assert_eq!(eff["inputs"]["finished"], 2);
    assert_eq!(eff["inputs"]["on_time"], 1);

    let id = r["id"].as_i64().unwrap();
    problem(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "result_status",
        None,
    )
    .await;
    expect(s.approve_result(id).await, StatusCode::OK).await;
    s.clock.set(at("2026-04-03T10:00:00+08:00"));
    let published = expect(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["status"], "published");

    let orders = expect(s.get("/v1/rectifications", &sup).await, StatusCode::OK).await;
    let orders = orders.as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["department_id"], gaj);
    // Fri 3 Apr + 15 working days (4–6 Apr Qingming off) = Mon 27 Apr 17:00.
    assert_eq!(orders[0]["due_at"], "2026-04-27T09:00:00Z");
    let run = expect(
        s.post("/v1/jobs/deliver/run", &assessor, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    // Every unit receives its own result (两个反馈: four mails), GAJ its rectification order
    // too, and the assessment office the second round (二次考核) GAJ's 43.50 opens.
    assert_eq!(run["detail"]["sent"], 6, "{run}");
    let mails: Vec<String> = std::fs::read_dir(&s.mail_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 6);
    for code in ["scjg", "zjj", "swj", "gaj"] {
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.contains(&format!("head.hhht-{code}@hohhot.gov.example")))
                .count(),
            if code == "gaj" { 2 } else { 1 },
            "{code}"
        );
    }
    assert!(mails
        .iter()
        .filter(|m| m.contains("head.hhht-gaj@hohhot.gov.example"))
        .all(|m| m.contains("window.hhht-gaj@hohhot.gov.example")));

    // Published means frozen: inputs and reruns are refused; a correction is a revision.
    let body = json!({"department_id": gaj, "year": 2026, "quarter": 1, "category": "quality", "points": 9.0, "evidence": ["复核"]});
    problem(
        s.put("/v1/manual-scores", &assessor, &body).await,
        StatusCode::CONFLICT,
        "quarter_published",
        None,
    )
    .await;
    problem(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CONFLICT,
        "result_locked",
        None,
    )
    .await;
    problem(
        s.post(
            &format!("/v1/results/{id}/revisions"),
            &assessor,
            &json!({"reason": " "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("reason"),
    )
    .await;
    let rev = expect(
        s.post(
            &format!("/v1/results/{id}/revisions"),
            &assessor,
            &json!({"reason": "窗口评价器数据复核"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (
            rev["revision"].as_i64(),
            rev["status"].as_str(),
            rev["author"].as_str()
        ),
        (Some(2), Some("draft"), Some("test-assessor"))
    );
    let rid = rev["id"].as_i64().unwrap();
    expect(s.approve_result(rid).await, StatusCode::OK).await;
    expect(
        s.post(&format!("/v1/results/{rid}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let all = expect(
        s.get("/v1/results?year=2026", &assessor).await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<(i64, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![(1, "superseded"), (2, "published")],
        "the old revision is kept"
    );
    let trend = expect(
        s.get(&format!("/v1/departments/{gaj}/trend"), &sup).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(trend.as_array().unwrap().len(), 1);
    assert_eq!(trend[0]["revision"], 2);

    // The department submits its rectification; the supervisor returns it once, then accepts.
    let oid = orders[0]["id"].as_i64().unwrap();
    let staff = s.token(Role::Approver, Some(gaj));
    problem(
        s.post(
            &format!("/v1/rectifications/{oid}/submit"),
            &s.token(Role::Approver, Some(scjg)),
            &json!({"text": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect(
        s.post(
            &format!("/v1/rectifications/{oid}/submit"),
            &staff,
            &json!({"text": "整改报告：已对窗口人员培训", "attachment_ref": "DOC-2026-041"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    problem(
        s.post(
            &format!("/v1/rectifications/{oid}/decision"),
            &sup,
            &json!({"decision": "return"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("note"),
    )
    .await;
    expect(
        s.post(
            &format!("/v1/rectifications/{oid}/decision"),
            &sup,
            &json!({"decision": "return", "note": "缺少回访记录"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect(
        s.post(
            &format!("/v1/rectifications/{oid}/submit"),
            &staff,
            &json!({"text": "补充回访记录"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Eight supervisors decide at once: exactly one decision is taken, the others are 409
    // (the UPDATE is guarded by the status it was read with).
    let path = format!("/v1/rectifications/{oid}/decision");
    let body = json!({"decision": "accept"});
    let answers = futures_util::future::join_all((0..8).map(|_| s.post(&path, &sup, &body))).await;
    let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses.iter().filter(|c| **c == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|c| *c == StatusCode::OK || *c == StatusCode::CONFLICT));
    let orders = expect(s.get("/v1/rectifications", &sup).await, StatusCode::OK).await;
    let done = orders
        .as_array()
        .or(orders["items"].as_array())
        .unwrap()
        .iter()
        .find(|o| o["id"] == oid)
        .unwrap()
        .clone();
    assert_eq!(done["status"], "accepted");
}

#[tokio::test]
async fn reminders_before_and_escalation_after_the_rectification_deadline() {
    let s = spawn().await;
    let c = s.submit_case().await;
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let bad = json!({"case_id": c["id"], "applicant_id": "91350100M000100Y43", "level": "very_dissatisfied", "department_id": s.d("HHHT-SWJ"), "channel": "app"});
    let r = expect(
        s.post("/v1/ratings/haocha", &assessor, &bad).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        r["rectification_ids"].as_array().unwrap().len(),
        1,
        "a 差评 opens a rectification item"
    );
    // Mon 9 Mar + 15 working days = Mon 30 Mar 17:00; reminder 3 working days before.
    s.clock.set(at("2026-03-24T10:00:00+08:00"));
    let run = expect(
        s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&run["detail"]["reminded"], &run["detail"]["escalated"]),
        (&json!(0), &json!(0))
    );
    s.clock.set(at("2026-03-26T10:00:00+08:00"));
    let run = expect(
        s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&run["detail"]["reminded"], &run["detail"]["escalated"]),
        (&json!(1), &json!(0))
    );
    s.clock.set(at("2026-03-31T10:00:00+08:00"));
    let run = expect(
        s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&run["detail"]["reminded"], &run["detail"]["escalated"]),
        (&json!(0), &json!(1))
    );
    s.clock.set(at("2026-04-01T10:00:00+08:00"));
    let run = expect(
        s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&run["detail"]["reminded"], &run["detail"]["escalated"]),
        (&json!(0), &json!(0)),
        "each at most once"
    );
    let kinds: Vec<String> = {
        use sea_orm::{EntityTrait, QueryOrder};
        outbox::entity::notice::Entity::find()
            .order_by_asc(outbox::entity::notice::Column::Id)
            .all(&s.db)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.kind)
            // The same morning job also reminds of publication deadlines (tested apart).
            .filter(|k| k.starts_with("rectification"))
            .collect()
    };
    assert_eq!(
        kinds,
        vec![
            "rectification_order",
            "rectification_reminder",
            "rectification_escalated"
        ]
    );
}

/// The assessment service is stopped mid-feed and restarted: no event lost or counted twice.
#[tokio::test]
async fn a_restart_mid_feed_loses_and_doubles_nothing() {
    let s = spawn().await;
    for _ in 0..3 {
        let c = s.submit_case().await;
        s.approve_branch(&c["branches"][0]).await;
    }
    let first = start_assessment(&s.approval, &s.assessment_db_url, &s.clock, &s.mail_dir).await;
    assert_eq!(
        assessment::feed::consume_once(&first.state, 5)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        assessment::feed::consume_once(&first.state, 5)
            .await
            .unwrap(),
        5
    );
    drop(first);
    let second = start_assessment(&s.approval, &s.assessment_db_url, &s.clock, &s.mail_dir).await;
    while assessment::feed::consume_once(&second.state, 7)
        .await
        .unwrap()
        > 0
    {}
    let st = assessment::feed::status(&second.state.db).await.unwrap();
    assert_eq!(st.lag_events, 0);
    assert_eq!(st.cursor, count(&s.approval_db, "events").await);
    assert_eq!(
        s.count("a_branches").await,
        count(&s.approval_db, "branches").await
    );
    let decided = |db: &sea_orm::DatabaseConnection| {
        let db = db.clone();
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            assessment::entities::a_branch::Entity::find()
                .filter(assessment::entities::a_branch::Column::DecidedAt.is_not_null())
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(decided(&s.db).await, 3);
    // Replaying everything from the start changes nothing: every event applies idempotently.
    use sea_orm::{ConnectionTrait, Statement};
    s.db.execute(Statement::from_string(
        s.db.get_database_backend(),
        "UPDATE feed_cursor SET last_seq = 0",
    ))
    .await
    .unwrap();
    while assessment::feed::consume_once(&second.state, 50)
        .await
        .unwrap()
        > 0
    {}
    assert_eq!(s.count("a_branches").await, 12);
    assert_eq!(s.count("a_cases").await, 3);
    assert_eq!(decided(&s.db).await, 3);
}
