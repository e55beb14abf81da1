//! 季评比 as files, through HTTP like a client: a published quarter's ranking as `.xlsx`
//! (read back with calamine: Chinese sheet names and headers, scores as numbers equal to the
//! JSON) and `.csv` (BOM, parsed back); one department's indicator breakdown, which a
//! department's own staff may read and another department's may not.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use platform::auth::Role;
use reqwest::StatusCode;

use crate::console::quarter;
use crate::helpers::*;

async fn download(r: reqwest::Response, content_type: &str, file_name: &str) -> Vec<u8> {
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["content-type"].to_str().unwrap(), content_type);
    let cd = h["content-disposition"].to_str().unwrap().to_string();
    assert!(
        cd.starts_with("attachment;")
            && cd.contains(&format!(
                "filename*=UTF-8''{}",
                reports::http::rfc5987(file_name)
            )),
        "{cd} should name {file_name}"
    );
    r.bytes().await.unwrap().to_vec()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test]
async fn the_ranking_and_a_breakdown_as_files_for_whom_may_read_them() {
    let s = spawn().await;
    let (scjg, gaj) = (s.d("HHHT-SCJG"), s.d("HHHT-GAJ"));
    let good = [15.0, 10.0, 10.0, 5.0];
    let published = quarter(
        &s,
        1,
        &[
            (scjg, good, "very_satisfied"),
            (s.d("HHHT-ZJJ"), good, "very_satisfied"),
            (s.d("HHHT-SWJ"), [12.0, 8.0, 8.0, 4.0], "satisfied"),
            (gaj, [5.0, 3.0, 3.0, 2.0], "dissatisfied"),
        ],
        "2026-04-03T10:00:00+08:00",
    )
    .await;
    let id = published["id"].as_i64().unwrap();
    let revision = published["revision"].as_i64().unwrap();
    let org = s.token(Role::OrgDept, None);
    let json = expect(
        s.get(&format!("/v1/results/{id}"), &org).await,
        StatusCode::OK,
    )
    .await;
    let first = &json["departments"][0];

    let bytes = download(
        s.get(&format!("/v1/results/{id}?format=xlsx"), &org).await,
        XLSX,
        &format!("季评比-2026年第1季度-修订{revision}.xlsx"),
    )
    .await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["季度排名", "指标明细", "说明"]);
    let ranking = book.worksheet_range("季度排名").unwrap();
    let header: Vec<Data> = ranking.rows().next().unwrap().to_vec();
    assert_eq!(
        header,
        ["名次", "部门编号", "部门", "总分", "等次"]
            .map(|h| Data::String(h.into()))
            .to_vec()
    );
    let row: Vec<Data> = ranking.rows().nth(1).unwrap().to_vec();
    assert_eq!(row[0], Data::Float(1.0));
    assert_eq!(
        row[1],
        Data::Float(first["department_id"].as_f64().unwrap())
    );
    assert_eq!(row[3], Data::Float(first["total"].as_f64().unwrap()));
    assert_eq!(
        ranking.rows().count() - 1,
        json["departments"].as_array().unwrap().len()
    );
    let categories = book.worksheet_range("指标明细").unwrap();
    assert!(
        categories.rows().count() > 4,
        "category lines per department"
    );

    let bytes = download(
        s.get(&format!("/v1/results/{id}?format=csv"), &org).await,
        "text/csv; charset=utf-8",
        &format!("季评比-2026年第1季度-修订{revision}.csv"),
    )
    .await;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(&r.headers().unwrap()[3], "总分");
    let rec = r.records().next().unwrap().unwrap();
    assert_eq!(
        rec[3].parse::<f64>().unwrap(),
        first["total"].as_f64().unwrap()
    );

    // A department's own breakdown: its staff may read it, as JSON and as a file.
    let own = s.token(Role::Reviewer, Some(gaj));
    let path = format!("/v1/results/{id}/departments/{gaj}");
    let b = expect(s.get(&path, &own).await, StatusCode::OK).await;
    let in_result = json["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == gaj)
        .unwrap();
    assert_eq!(b["total"], in_result["total"]);
    assert_eq!(b["rank"], in_result["rank"]);
    let name = b["department_name"].as_str().unwrap().to_string();
    let bytes = download(
        s.get(&format!("{path}?format=xlsx"), &own).await,
        XLSX,
        &format!("指标明细-2026年第1季度-{name}.xlsx"),
    )
    .await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("指标明细").unwrap();
    let lines: Vec<Vec<Data>> = sheet.rows().skip(1).map(|r| r.to_vec()).collect();
    let categories = b["categories"].as_array().unwrap();
    assert_eq!(lines.len(), categories.len() + 2, "categories, 加分, 扣分");
    assert_eq!(
        lines[0][2],
        Data::String(categories[0]["name"].as_str().unwrap().into())
    );
    assert_eq!(
        lines[0][3],
        Data::Float(categories[0]["points"].as_f64().unwrap())
    );
    let csv_bytes = download(
        s.get(&format!("{path}?format=csv"), &own).await,
        "text/csv; charset=utf-8",
        &format!("指标明细-2026年第1季度-{name}.csv"),
    )
    .await;
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"));

    // Another department's staff: 403, as JSON and as a file; unknown format (PDF too): 400.
    let other = s.token(Role::Approver, Some(scjg));
    for p in [
        path.clone(),
        format!("{path}?format=xlsx"),
        format!("{path}?format=csv"),
    ] {
        problem(
            s.get(&p, &other).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    problem(
        s.get(&format!("{path}?format=ods"), &own).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("format"),
    )
    .await;
    problem(
        s.get(&format!("/v1/results/{id}?format=pdf"), &org).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("format"),
    )
    .await;
    // A department not in the result, a result that does not exist: 404.
    let assessor = s.token(Role::Assessor, None);
    problem(
        s.get(
            &format!("/v1/results/{id}/departments/999999?format=xlsx"),
            &assessor,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    problem(
        s.get("/v1/results/999999?format=csv", &org).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_draft_is_not_exported_to_outsiders() {
    let s = spawn().await;
    let depts = [
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    ];
    let gaj = depts[3];
    let case = s.submit_case().await;
    for d in depts {
        s.approve_branch(&branch(&case, d)).await;
    }
    s.pull().await;
    manual_all(
        &s,
        &depts,
        &["standardisation", "openness", "quality", "integrity"],
        5.0,
    )
    .await;
    let clerk = s.token(Role::Clerk, None);
    for d in depts {
        let body = serde_json::json!({"case_id": case["id"], "department_id": d, "level": "satisfied", "visit_ref": format!("V-{d}")});
        expect(
            s.post("/v1/ratings/onsite", &clerk, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let assessor = s.token(Role::Assessor, None);
    let draft = expect(
        s.post(
            "/v1/results",
            &assessor,
            &serde_json::json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = draft["id"].as_i64().unwrap();
    let own = s.token(Role::Reviewer, Some(gaj));
    problem(
        s.get(&format!("/v1/results/{id}?format=xlsx"), &own).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    problem(
        s.get(
            &format!("/v1/results/{id}/departments/{gaj}?format=csv"),
            &own,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let ok = s
        .get(&format!("/v1/results/{id}?format=xlsx"), &assessor)
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
}
