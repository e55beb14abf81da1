//! Reports as files, through HTTP like a client: the statistics, the weekly notice (周通报) and
//! the monthly analysis (月分析) as `.xlsx` (read back with calamine; rates carry a percent
//! format), `.csv` (BOM, parsed back to the JSON figures) and PDF (a font embedded; its text
//! holds the month and the department names); the digest mails carry them as attachments;
//! bad requests are clear 4xx, a missing font a 503.

use std::io::{Cursor, Read};

use base64::Engine;
use calamine::{Data, Reader, Xlsx};
use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cases::{branch_of, hohhot, Hohhot};
use crate::helpers::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The bytes of a 200 download, after checking its content type and attachment name.
async fn download(r: reqwest::Response, content_type: &str, file_name: &str) -> Vec<u8> {
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.headers());
    let h = r.headers();
    assert_eq!(h["content-type"].to_str().unwrap(), content_type);
    let cd = h["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains(&format!(
            "filename*=UTF-8''{}",
            reports::http::rfc5987(file_name)
        )),
        "{cd} should name {file_name}"
    );
    r.bytes().await.unwrap().to_vec()
}

fn workbook(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx workbook")
}

/// The number format code of cell `cell_ref` (e.g. `L2`) of the first worksheet, read from the
/// package's XML (calamine does not expose number formats).
fn number_format(bytes: &[u8], cell_ref: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let styles = read("xl/styles.xml");
    let cell = sheet
        .split("<c ")
        .find(|c| c.starts_with(&format!("r=\"{cell_ref}\"")))
        .unwrap_or_else(|| panic!("cell {cell_ref} in the sheet"));
    let attr = |s: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = s.find(&key)? + key.len();
        Some(s[start..].split('"').next()?.to_string())
    };
    let xf: usize = attr(cell, "s").unwrap_or("0".into()).parse().unwrap();
    let xfs = styles.split("<cellXfs").nth(1).unwrap();
    let xf_tag = xfs.split("<xf ").nth(xf + 1).unwrap();
    let fmt_id = attr(xf_tag, "numFmtId").unwrap();
    styles
        .split("<numFmt ")
        .skip(1)
        .find(|f| attr(f, "numFmtId").as_deref() == Some(fmt_id.as_str()))
        .and_then(|f| attr(f, "formatCode"))
        .unwrap_or_else(|| format!("builtin {fmt_id}"))
}

/// The row of a sheet whose first cell is the department id.
fn row_of(range: &calamine::Range<Data>, dept: i32) -> Vec<Data> {
    range
        .rows()
        .find(|r| r[0] == Data::Float(f64::from(dept)))
        .unwrap_or_else(|| panic!("a row for department {dept}"))
        .to_vec()
}

fn json_row(v: &Value, dept: i32) -> Value {
    v["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department_id"] == dept)
        .unwrap()
        .clone()
}

/// Two finished branches in March: 公安局 the same day, 市场监管局 late.
async fn march(h: &Hohhot) -> (i32, i32) {
    let case = h.submit().await; // Mon 9 Mar 10:00
    let gaj = h.dept_of["HHHT-GAJ-001"];
    let scjg = h.dept_of["HHHT-SCJG-001"];
    h.approve(branch_of(&case, gaj)).await;
    h.app.clock.set(at("2026-03-13T10:00:00+08:00"));
    h.approve(branch_of(&case, scjg)).await;
    (gaj, scjg)
}

#[tokio::test]
async fn statistics_download_as_xlsx_and_csv_with_the_json_figures() {
    let h = hohhot().await;
    let (gaj, scjg) = march(&h).await;
    let sup = h.app.token(Role::Supervisor, None);
    let q = "/v1/statistics?from=2026-03-01&to=2026-03-31";
    let json = expect_status(h.app.get(q, &sup).await, StatusCode::OK).await;
    let g = json_row(&json, gaj);

    let bytes = download(
        h.app.get(&format!("{q}&format=xlsx"), &sup).await,
        XLSX,
        "审批统计-2026-03-01至2026-03-31.xlsx",
    )
    .await;
    let mut book = workbook(&bytes);
    assert_eq!(book.sheet_names(), vec!["审批统计", "说明"]);
    let range = book.worksheet_range("审批统计").unwrap();
    let header: Vec<Data> = range.rows().next().unwrap().to_vec();
    assert_eq!(header[1], Data::String("部门".into()));
    assert_eq!(header[2], Data::String("受理件数".into()));
    assert_eq!(header[11], Data::String("按时办结率".into()));
    let row = row_of(&range, gaj);
    assert_eq!(row[2], Data::Float(g["received"].as_f64().unwrap()));
    assert_eq!(row[3], Data::Float(g["finished"].as_f64().unwrap()));
    assert_eq!(row[11], Data::Float(g["on_time_rate"].as_f64().unwrap()));
    assert!(matches!(&row[1], Data::String(s) if !s.is_empty()));
    let late = row_of(&range, scjg);
    assert_eq!(late[7], Data::Float(1.0), "超期办结件数");
    assert_eq!(late[11], Data::Float(0.0));
    // Rates carry a percent format, counts a whole-number one; the header row is frozen.
    let gaj_line = range
        .rows()
        .position(|r| r[0] == Data::Float(f64::from(gaj)))
        .unwrap()
        + 1;
    assert_eq!(number_format(&bytes, &format!("L{gaj_line}")), "0.0%");
    assert_eq!(number_format(&bytes, &format!("C{gaj_line}")), "0");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains("state=\"frozen\""), "frozen header row");
    // 说明: the period as dates, the moment it was made in local time.
    let about = book.worksheet_range("说明").unwrap();
    assert!(matches!(about.get((1, 1)), Some(Data::DateTime(_))));
    assert!(matches!(about.get((1, 3)), Some(Data::DateTime(_))));

    let bytes = download(
        h.app.get(&format!("{q}&format=csv"), &sup).await,
        "text/csv; charset=utf-8",
        "审批统计-2026-03-01至2026-03-31.csv",
    )
    .await;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[2], "受理件数");
    assert_eq!(&headers[11], "按时办结率");
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), json["departments"].as_array().unwrap().len());
    let rec = records
        .iter()
        .find(|r| r[0] == gaj.to_string())
        .expect("the 公安局 line");
    assert_eq!(
        rec[2].parse::<f64>().unwrap(),
        g["received"].as_f64().unwrap()
    );
    assert_eq!(
        rec[11].parse::<f64>().unwrap(),
        g["on_time_rate"].as_f64().unwrap()
    );
    let zjj = h.dept_of["HHHT-ZJJ-001"];
    let rec = records.iter().find(|r| r[0] == zjj.to_string()).unwrap();
    assert_eq!(&rec[11], "", "no finished branch: no rate");
}

#[tokio::test]
async fn bad_export_requests_are_refused_clearly() {
    let h = hohhot().await;
    let sup = h.app.token(Role::Supervisor, None);
    let notices_before = h.app.count_rows("notices").await;
    expect_problem(
        h.app
            .get(
                "/v1/statistics?from=2026-01-01&to=2027-03-01&format=xlsx",
                &sup,
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("to"),
    )
    .await;
    expect_problem(
        h.app
            .get(
                "/v1/statistics?from=2026-03-01&to=2026-03-31&format=docx",
                &sup,
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("format"),
    )
    .await;
    // PDF is the monthly analysis's only.
    for path in [
        "/v1/statistics?from=2026-03-01&to=2026-03-31&format=pdf",
        "/v1/reports/weekly-notice?week=2026-W11&format=pdf",
    ] {
        expect_problem(
            h.app.get(path, &sup).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            Some("format"),
        )
        .await;
    }
    // A department's own staff do not get the supervisors' figures, as JSON or as a file.
    let gaj = h.dept_of["HHHT-GAJ-001"];
    for token in [h.app.token(Role::Approver, Some(gaj)), h.clerk.clone()] {
        for path in [
            "/v1/statistics?from=2026-03-01&to=2026-03-31&format=xlsx",
            "/v1/reports/weekly-notice?format=csv",
            "/v1/reports/monthly-analysis?format=pdf",
        ] {
            expect_problem(
                h.app.get(path, &token).await,
                StatusCode::FORBIDDEN,
                "forbidden",
                None,
            )
            .await;
        }
    }
    for (path, field) in [
        (
            "/v1/reports/weekly-notice?week=2026-W60&format=xlsx",
            "week",
        ),
        ("/v1/reports/weekly-notice?week=2026-11", "week"),
        (
            "/v1/reports/monthly-analysis?month=2026-13&format=csv",
            "month",
        ),
    ] {
        expect_problem(
            h.app.get(path, &sup).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            Some(field),
        )
        .await;
    }
    assert_eq!(
        h.app.count_rows("notices").await,
        notices_before,
        "nothing written"
    );
}

#[tokio::test]
async fn the_longest_period_is_a_setting() {
    let app = spawn_app_with_settings(|_| {}, |s| s.report_max_days = 31).await;
    let sup = app.token(Role::Supervisor, None);
    expect_status(
        app.get(
            "/v1/statistics?from=2026-03-01&to=2026-04-01&format=csv",
            &sup,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let p = expect_problem(
        app.get(
            "/v1/statistics?from=2026-03-01&to=2026-04-02&format=csv",
            &sup,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("to"),
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("31"), "{p}");
    // Days Excel cannot hold as dates are written as text, never a 500.
    let r = app
        .get(
            "/v1/statistics?from=0001-01-01&to=0001-01-02&format=xlsx",
            &sup,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_problem(
        app.get(
            "/v1/reports/monthly-analysis?month=0001-01&format=xlsx",
            &sup,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("month"),
    )
    .await;
}

/// Whether PDF tests can run: a CJK font on the default paths. Missing: skipped with a printed
/// line, except under CI, which installs fonts-wqy-zenhei.
fn font_available() -> bool {
    if reports::pdf::PdfFont::load(None).is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must have a CJK font for the PDF tests (apt-get install fonts-wqy-zenhei)");
    }
    println!("SKIPPED: no CJK font (fonts-wqy-zenhei) for the PDF test");
    false
}

#[tokio::test]
async fn monthly_analysis_as_json_xlsx_and_pdf() {
    let h = hohhot().await;
    let (gaj, _) = march(&h).await;
    h.app.clock.set(at("2026-04-01T09:00:00+08:00"));
    let sup = h.app.token(Role::Supervisor, None);
    let json = expect_status(
        h.app.get("/v1/reports/monthly-analysis", &sup).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            json["label"].as_str(),
            json["from"].as_str(),
            json["to"].as_str()
        ),
        (Some("2026-03"), Some("2026-03-01"), Some("2026-03-31")),
        "default: the month that has just ended"
    );
    let g = json_row(&json, gaj);
    let name = g["department_name"].as_str().unwrap().to_string();
    let stats = expect_status(
        h.app
            .get("/v1/statistics?from=2026-03-01&to=2026-03-31", &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        json_row(&stats, gaj)["on_time_rate"],
        g["on_time_rate"],
        "one source of numbers"
    );
    let bytes = download(
        h.app
            .get(
                "/v1/reports/monthly-analysis?month=2026-03&format=xlsx",
                &sup,
            )
            .await,
        XLSX,
        "月分析-2026-03.xlsx",
    )
    .await;
    let mut book = workbook(&bytes);
    assert_eq!(book.sheet_names(), vec!["月分析", "说明"]);
    let row = row_of(&book.worksheet_range("月分析").unwrap(), gaj);
    assert_eq!(row[1], Data::String(name.clone()));
    assert_eq!(row[2], Data::Float(g["received"].as_f64().unwrap()));

    if !font_available() {
        return;
    }
    let pdf = download(
        h.app
            .get("/v1/reports/monthly-analysis?format=pdf", &sup)
            .await,
        "application/pdf",
        "月分析-2026-03.pdf",
    )
    .await;
    assert!(pdf.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/FontFile2"), "a TrueType font embedded");
    let text = pdf_extract::extract_text_from_mem(&pdf).expect("PDF text");
    assert!(text.contains("2026年3月"), "{text}");
    assert!(text.contains(&name), "{name} in {text}");
    assert!(text.contains("各部门办结率"), "the chart's title: {text}");
}

#[tokio::test]
async fn without_a_font_the_pdf_is_a_clear_503_and_the_mail_goes_without_it() {
    let app = spawn_app_with_settings(
        |_| {},
        |s| s.pdf_font = Some("/nonexistent/fonts/none.ttc".into()),
    )
    .await;
    let sup = app.token(Role::Supervisor, None);
    let p = expect_problem(
        app.get(
            "/v1/reports/monthly-analysis?month=2026-03&format=pdf",
            &sup,
        )
        .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "pdf_font_missing",
        None,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("PDF_FONT"), "{p}");
    app.clock.set(at("2026-04-01T09:00:00+08:00"));
    let run = expect_status(
        app.post(
            "/v1/supervision/jobs/monthly_analysis/run",
            &sup,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["detail"]["pdf"], "no_font", "{run}");
    assert_eq!(run["detail"]["attachments"], 1, "the workbook only: {run}");
}

/// The `.eml` files in the mail folder.
fn mails(dir: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// The decoded body of the MIME part with this content type.
fn part(mail: &str, content_type: &str) -> Option<Vec<u8>> {
    let mail = mail.replace("\r\n", "\n");
    let start = mail.find(&format!("Content-Type: {content_type}"))?;
    let rest = &mail[start..];
    let body_start = rest.find("\n\n")? + 2;
    let body: String = rest[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()
}

#[tokio::test]
async fn the_digest_mails_carry_their_files() {
    let h = hohhot().await;
    let (gaj, _) = march(&h).await;
    let sup = h.app.token(Role::Supervisor, None);
    h.app.clock.set(at("2026-03-16T08:30:00+08:00"));
    let run = expect_status(
        h.app
            .post("/v1/supervision/jobs/weekly_notice/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&run["detail"]["queued"], &run["detail"]["attachments"]),
        (&json!(1), &json!(1)),
        "{run}"
    );
    assert_eq!(h.app.count_rows("notice_attachments").await, 1);
    let sent = expect_status(
        h.app
            .post("/v1/supervision/jobs/deliver/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(sent["detail"]["sent"].as_u64().unwrap() >= 1, "{sent}");
    let weekly = mails(&h.app.mail_dir)
        .into_iter()
        .find(|m| m.contains(XLSX))
        .expect("a mail with a spreadsheet attached");
    assert!(weekly.contains("multipart/mixed"), "{weekly}");
    assert!(
        weekly.contains("Content-Disposition: attachment"),
        "{weekly}"
    );
    let xlsx = part(&weekly, XLSX).expect("the attachment decodes");
    let mut book = workbook(&xlsx);
    assert_eq!(book.sheet_names(), vec!["周通报", "说明"]);
    let json = expect_status(
        h.app
            .get("/v1/reports/weekly-notice?week=2026-W11", &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    let row = row_of(&book.worksheet_range("周通报").unwrap(), gaj);
    assert_eq!(
        row[2],
        Data::Float(json_row(&json, gaj)["received"].as_f64().unwrap()),
        "the mail's numbers are the report's"
    );

    // 月分析: the workbook and, with a font, the PDF.
    h.app.clock.set(at("2026-04-01T09:00:00+08:00"));
    let run = expect_status(
        h.app
            .post(
                "/v1/supervision/jobs/monthly_analysis/run",
                &sup,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["detail"]["queued"], 1, "{run}");
    let with_font = font_available();
    assert_eq!(
        run["detail"]["attachments"],
        if with_font { 2 } else { 1 },
        "{run}"
    );
    h.app.clock.set(at("2026-04-01T09:01:00+08:00"));
    expect_status(
        h.app
            .post("/v1/supervision/jobs/deliver/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    if with_font {
        let monthly = mails(&h.app.mail_dir)
            .into_iter()
            .find(|m| m.contains("application/pdf"))
            .expect("the monthly mail with its PDF");
        let pdf = part(&monthly, "application/pdf").expect("the PDF decodes");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(part(&monthly, XLSX).is_some(), "and its workbook");
    }
}
