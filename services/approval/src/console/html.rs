//! HTML building blocks of the console: escaping, the page frame with its inline stylesheet,
//! and the headers every console answer carries.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

/// Escape text for an HTML element or a double- or single-quoted attribute value.
/// Every value that comes from data goes through here before it reaches a page.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The stylesheet, inline: the pages have no assets and no build step.
const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;color:#1d2733;background:#f3f5f8}\
header{display:flex;align-items:center;justify-content:space-between;padding:12px 24px;background:#15314b;color:#fff}\
header h1{font-size:18px;margin:0;font-weight:600}\
header .who{font-size:13px;opacity:.9;display:flex;gap:12px;align-items:center}\
header form{margin:0}\
header button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid #8aa4bd;border-radius:4px;background:transparent;color:#fff;cursor:pointer}\
main{padding:16px 24px;display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1fr);gap:16px}\
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 16px;min-width:0}\
section.wide{grid-column:1/-1}\
h2{font-size:15px;margin:0 0 8px}\
table{border-collapse:collapse;width:100%}\
th,td{padding:5px 8px;border-bottom:1px solid #e8ecf1;text-align:left;vertical-align:top}\
th{font-size:12px;color:#5a6b7d;font-weight:600;background:#f7f9fb}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
tfoot td{font-weight:600;border-top:2px solid #cfd8e2}\
td.hot{font-weight:700}\
td.warning.hot{color:#b26a00}td.yellow.hot{color:#8a6d00;background:#fff6cc}td.red.hot{color:#fff;background:#d64545}\
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}\
.badge.warning{background:#ffe7c2;color:#8a4b00}.badge.yellow{background:#ffe45c;color:#4d3d00}\
.badge.red{background:#d64545;color:#fff}.badge.unclaimed{background:#dfe6ee;color:#334}\
.badge.fail{background:#d64545;color:#fff}.badge.pass{background:#dfe6ee;color:#334}\
.badge.good{background:#cdebd6;color:#1d5a2e}.badge.excellent{background:#2e8b57;color:#fff}\
.muted{color:#6b7a89;font-size:12px}\
.reason{max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\
.charts{display:flex;flex-wrap:wrap;gap:12px}\
.charts figure{margin:0}\
figure{margin:0 0 8px}\
svg.chart{display:block;max-width:100%;height:auto}\
figcaption{font-size:12px;color:#5a6b7d;margin-bottom:2px}\
.login{max-width:460px;margin:80px auto;background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:24px}\
.login textarea{width:100%;font:12px monospace;padding:6px}\
.login button{margin-top:8px;padding:6px 16px;font:inherit}\
.error{color:#b00020}\
";

/// A complete page. `title` is escaped here; `body` is HTML built from escaped parts.
/// `refresh_secs` adds `<meta http-equiv="refresh">` (the live board reloads itself; no script).
pub fn page(title: &str, refresh_secs: Option<u32>, body: &str) -> String {
    let refresh = refresh_secs
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// An HTML answer with the console's headers: never cached (the pages show who is signed in),
/// never framed, no script, no referrer (a login URL may carry a token).
pub fn respond(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(html)
}

/// A percentage for a 0–1 rate, or a dash.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("a & b 'c'"), "a &amp; b &#39;c&#39;");
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "escaping twice shows the entity"
        );
        assert_eq!(escape("呼和浩特市公安局"), "呼和浩特市公安局");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn the_page_escapes_its_title_and_refreshes_only_when_asked() {
        let p = page("a<b", None, "<p>x</p>");
        assert!(p.starts_with("<!DOCTYPE html>"));
        assert!(p.contains("<title>a&lt;b</title>"));
        assert!(p.contains("<body><p>x</p></body>"));
        assert!(!p.contains("http-equiv"));
        assert!(page("t", Some(60), "").contains("<meta http-equiv=\"refresh\" content=\"60\">"));
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(Some(0.75)), "75.0%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(None), "–");
    }
}
