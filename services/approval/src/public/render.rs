//! Pure renderers of the public pages: plain data in, a complete HTML document out. Every
//! value from data goes through [`escape`]; times are shown in Asia/Shanghai. The frame is
//! `<html lang="zh-CN">` with a viewport for phones, semantic headings, labelled inputs, no
//! script, and a print stylesheet for A4.

use chrono::{DateTime, Utc};

use super::decisions::PublicDecision;
use super::flow::flow_svg;
use super::guide::{
    category_label, version_url, PublicBundle, PublicDepartment, PublicItem, PublicItemVersion,
    CATEGORIES,
};
use super::lookup::LookupResult;
use crate::console::html::escape;

/// The stylesheet of the public pages, inline (no assets), with the A4 print rules.
const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.6 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;color:#1d2733;background:#f3f5f8}\
header{padding:12px 16px;background:#15314b;color:#fff}\
header .site{font-size:18px;font-weight:600;margin:0}\
nav ul{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:16px}\
nav a{color:#fff}\
main{max-width:960px;margin:0 auto;padding:16px}\
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 16px;margin-bottom:16px}\
h1{font-size:22px;margin:8px 0 12px}\
h2{font-size:18px;margin:0 0 8px}\
table{border-collapse:collapse;width:100%}\
th,td{padding:6px 8px;border-bottom:1px solid #e8ecf1;text-align:left;vertical-align:top}\
th{color:#5a6b7d;font-weight:600;background:#f7f9fb;white-space:nowrap}\
table.elements th{width:9em}\
form.search{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-end}\
form label{display:flex;flex-direction:column;font-size:14px;color:#5a6b7d}\
input,select,button{font:inherit;padding:6px 8px;border:1px solid #b8c4d0;border-radius:4px}\
button{background:#15314b;color:#fff;border-color:#15314b;cursor:pointer}\
.tag{display:inline-block;padding:0 8px;border-radius:10px;font-size:13px;font-weight:600}\
.tag.required{background:#ffe3e3;color:#8a1c1c}.tag.optional{background:#e8eef5;color:#334}\
.tag.tolerance{background:#fff3cd;color:#6b4e00}\
.muted{color:#6b7a89;font-size:14px}\
.error{color:#b00020;font-weight:600}\
svg.flow{display:block;max-width:100%;height:auto;margin:0 auto}\
ul.results{padding-left:1.2em}\
@media (max-width:600px){table.elements th{width:auto;white-space:normal}main{padding:8px}}\
@page{size:A4;margin:15mm}\
@media print{body{background:#fff;font-size:11pt}header nav,form,.noprint{display:none}\
header{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 4mm}\
section{border:none;padding:0;margin:0 0 6mm;break-inside:avoid}\
main{max-width:none;padding:0}a{color:#000;text-decoration:none}\
th{background:#fff}}\
";

/// Local (Asia/Shanghai) time, `YYYY-MM-DD HH:MM`.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn local_opt(t: Option<DateTime<Utc>>) -> String {
    t.map(local).unwrap_or_else(|| "—".into())
}

/// Percent-encode a query value (everything but unreserved characters).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A complete public page.
pub fn frame(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{} · 政务服务中心</title><style>{STYLE}</style></head><body>\
<header><p class=\"site\">政务服务中心 Government service centre</p>\
<nav aria-label=\"主导航\"><ul><li><a href=\"/public/guide\">办事指南 Service guide</a></li>\
<li><a href=\"/public/lookup\">办件查询 Case lookup</a></li>\
<li><a href=\"/public/decisions\">结果公开 Results</a></li></ul></nav></header>\
<main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// A page that says only `message` (404, 400, 429 …).
pub fn message_page(title: &str, message: &str) -> String {
    frame(
        title,
        &format!(
            "<h1>{}</h1><section><p class=\"error\" role=\"alert\">{}</p>\
<p><a href=\"/public/guide\">返回办事指南 Back to the service guide</a></p></section>",
            escape(title),
            escape(message)
        ),
    )
}

/// What the guide's search form shows again.
#[derive(Debug, Clone, Default)]
pub struct SearchEcho {
    pub q: String,
    pub department_id: Option<i32>,
    pub category: Option<String>,
}

fn limit_text(days: i32, unit: &str) -> String {
    if days == 0 {
        "即时办结（当场办结）".into()
    } else {
        format!("{days} 个{unit}")
    }
}

pub fn guide_page(
    echo: &SearchEcho,
    departments: &[PublicDepartment],
    items: &[PublicItem],
    bundles: &[PublicBundle],
    next: Option<String>,
) -> String {
    let mut h = String::from("<h1>办事指南 Service guide</h1>");
    h.push_str("<section><h2>查找事项 Search</h2><form class=\"search\" method=\"get\" action=\"/public/guide\">");
    h.push_str(&format!(
        "<label for=\"q\">事项名称 Name<input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" maxlength=\"100\"></label>",
        escape(&echo.q)
    ));
    h.push_str("<label for=\"department_id\">办理部门 Department<select id=\"department_id\" name=\"department_id\"><option value=\"\">全部 All</option>");
    for d in departments {
        let sel = if echo.department_id == Some(d.id) {
            " selected"
        } else {
            ""
        };
        h.push_str(&format!(
            "<option value=\"{}\"{sel}>{}</option>",
            d.id,
            escape(&d.name)
        ));
    }
    h.push_str("</select></label><label for=\"category\">事项分类 Category<select id=\"category\" name=\"category\"><option value=\"\">全部 All</option>");
    for c in CATEGORIES {
        let sel = if echo.category.as_deref() == Some(c.as_str()) {
            " selected"
        } else {
            ""
        };
        h.push_str(&format!(
            "<option value=\"{}\"{sel}>{}</option>",
            c.as_str(),
            category_label(c)
        ));
    }
    h.push_str("</select></label><button type=\"submit\">查询 Search</button></form></section>");

    h.push_str("<section id=\"bundles\"><h2>并联套餐 Parallel bundles</h2>");
    if bundles.is_empty() {
        h.push_str("<p class=\"muted\">没有符合条件的套餐 No bundle matches.</p>");
    } else {
        h.push_str("<ul class=\"results\">");
        for b in bundles {
            h.push_str(&format!(
                "<li><a href=\"/public/guide/bundles/{}\">{}</a> <span class=\"muted\">牵头部门 {} · 承诺 {} 个工作日</span></li>",
                url_encode(&b.code),
                escape(&b.name),
                escape(&b.lead_department.name),
                b.promised_limit_days
            ));
        }
        h.push_str("</ul>");
    }
    h.push_str("</section><section id=\"items\"><h2>事项 Items</h2>");
    if items.is_empty() {
        h.push_str("<p class=\"muted\">没有符合条件的事项 No item matches.</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th scope=\"col\">事项名称</th><th scope=\"col\">办理部门</th>\
<th scope=\"col\">分类</th><th scope=\"col\">承诺期限</th></tr></thead><tbody>",
        );
        for i in items {
            h.push_str(&format!(
                "<tr><td><a href=\"/public/guide/items/{}\">{}</a><div class=\"muted\">{}</div></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                url_encode(&i.code),
                escape(&i.name),
                escape(&i.code),
                escape(&i.department.name),
                escape(&i.category_label),
                escape(&limit_text(i.promised_limit_days, &i.limit_unit_label))
            ));
        }
        h.push_str("</tbody></table>");
    }
    if let Some(cursor) = next {
        let mut link = format!("/public/guide?cursor={}", url_encode(&cursor));
        if !echo.q.is_empty() {
            link.push_str(&format!("&q={}", url_encode(&echo.q)));
        }
        if let Some(d) = echo.department_id {
            link.push_str(&format!("&department_id={d}"));
        }
        if let Some(c) = &echo.category {
            link.push_str(&format!("&category={}", url_encode(c)));
        }
        h.push_str(&format!(
            "<p><a href=\"{}\">下一页 Next page</a></p>",
            escape(&link)
        ));
    }
    h.push_str("</section>");
    frame("办事指南", &h)
}

fn row(h: &mut String, label: &str, value_html: &str) {
    h.push_str(&format!(
        "<tr><th scope=\"row\">{label}</th><td>{value_html}</td></tr>"
    ));
}

pub fn item_page(i: &PublicItem, versions: &[PublicItemVersion]) -> String {
    let mut h = format!(
        "<h1>{}</h1><p class=\"muted\">事项编码 {} · 第 {} 版 · 最后更新 <time datetime=\"{}\">{}</time>（北京时间） · <a href=\"{}\">本版固定链接</a></p>",
        escape(&i.name),
        escape(&i.code),
        i.version,
        i.updated_at.to_rfc3339(),
        local(i.updated_at),
        escape(&version_url(&i.code, i.version)),
    );
    if i.version < i.current_version {
        h.push_str(&format!(
            "<p class=\"error\" id=\"superseded\">这是第 {} 版，已被第 {} 版取代，请以<a href=\"/public/guide/items/{}\">现行版本</a>为准。This version has been superseded.</p>",
            i.version,
            i.current_version,
            url_encode(&i.code)
        ));
    }
    if !i.guide_complete {
        h.push_str("<p class=\"error\">本指南要素尚未完善，请以窗口告知为准。This guide is incomplete; the window's information prevails.</p>");
    }
    h.push_str("<section id=\"elements\"><h2>一表：事项要素 Elements</h2><table class=\"elements\"><tbody>");
    row(&mut h, "事项编码", &escape(&i.code));
    row(&mut h, "事项分类", &escape(&i.category_label));
    row(&mut h, "事项名称", &escape(&i.name));
    row(&mut h, "行使依据", &escape(&i.legal_basis));
    row(&mut h, "办理主体", &escape(&i.department.name));
    row(
        &mut h,
        "法定期限",
        &escape(&limit_text(i.statutory_limit_days, &i.limit_unit_label)),
    );
    row(
        &mut h,
        "承诺期限",
        &escape(&limit_text(i.promised_limit_days, &i.limit_unit_label)),
    );
    row(&mut h, "办理地点", &escape(&i.location));
    let mut m = String::from("<ul class=\"materials\">");
    for mat in &i.materials {
        let need = if mat.required {
            "<span class=\"tag required\">必要</span>"
        } else {
            "<span class=\"tag optional\">非必要</span>"
        };
        let tol = if mat.tolerance_allowed {
            " <span class=\"tag tolerance\">容缺</span>"
        } else {
            ""
        };
        m.push_str(&format!("<li>{} {need}{tol}</li>", escape(&mat.name)));
    }
    m.push_str("</ul><p class=\"muted\">必要：须提交；容缺：可先受理、限期补交。</p>");
    row(&mut h, "申报资料", &m);
    let fee = if i.fee_amount_cents > 0 {
        format!(
            "{}（{}.{:02} 元）",
            escape(&i.fee_standard),
            i.fee_amount_cents / 100,
            i.fee_amount_cents % 100
        )
    } else {
        escape(&i.fee_standard)
    };
    row(&mut h, "收费标准", &fee);
    row(
        &mut h,
        "收费依据",
        &if i.fee_basis.trim().is_empty() {
            "—".into()
        } else {
            escape(&i.fee_basis)
        },
    );
    row(&mut h, "办件类型", &escape(&i.kind_label));
    row(&mut h, "办结方式", &escape(&i.completion_method));
    row(
        &mut h,
        "批后监管科室",
        &i.supervising_department
            .as_ref()
            .map(|d| escape(&d.name))
            .unwrap_or_else(|| "—".into()),
    );
    row(&mut h, "监督方式", &escape(&i.supervision_method));
    h.push_str("</tbody></table></section>");
    h.push_str(&format!(
        "<section id=\"flow\"><h2>一图：办理流程 Flow</h2><figure>{}<figcaption class=\"muted\">{}</figcaption></figure></section>",
        flow_svg(&i.flow_steps),
        escape(
            &i.flow_steps
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        )
    ));
    if !versions.is_empty() {
        h.push_str("<section id=\"versions\" class=\"noprint\"><h2>历次版本 Versions</h2><ul>");
        for v in versions {
            let mark = if v.version == i.version {
                "（本页）"
            } else {
                ""
            };
            h.push_str(&format!(
                "<li><a href=\"{}\">第 {} 版</a> 发布于 <time datetime=\"{}\">{}</time>{mark}</li>",
                escape(&v.url),
                v.version,
                v.published_at.to_rfc3339(),
                local(v.published_at)
            ));
        }
        h.push_str("</ul></section>");
    }
    h.push_str(
        "<p class=\"noprint\"><a href=\"/public/guide\">返回办事指南 Back to the guide</a></p>",
    );
    frame(&i.name, &h)
}

pub fn bundle_page(b: &PublicBundle) -> String {
    let mut h = format!(
        "<h1>{}</h1><section><table class=\"elements\"><tbody>",
        escape(&b.name)
    );
    row(&mut h, "套餐编码", &escape(&b.code));
    row(&mut h, "牵头部门", &escape(&b.lead_department.name));
    row(
        &mut h,
        "承诺期限",
        &format!("{} 个工作日（全部事项）", b.promised_limit_days),
    );
    if !b.description.trim().is_empty() {
        row(&mut h, "说明", &escape(&b.description));
    }
    row(
        &mut h,
        "最后更新",
        &format!("{}（北京时间）", local(b.updated_at)),
    );
    h.push_str("</tbody></table></section>");
    for s in &b.stages {
        h.push_str(&format!(
            "<section class=\"stage\"><h2>第 {} 阶段{}</h2><p class=\"muted\">本阶段各事项同时审查、并联审批。</p><ul class=\"results\">",
            s.stage,
            if s.stage > 1 {
                "（前一阶段准予后开始）"
            } else {
                ""
            }
        ));
        for i in &s.items {
            if i.active {
                h.push_str(&format!(
                    "<li><a href=\"/public/guide/items/{}\">{}</a> <span class=\"muted\">{}</span></li>",
                    url_encode(&i.code),
                    escape(&i.name),
                    escape(&i.department.name)
                ));
            } else {
                h.push_str(&format!(
                    "<li>{} <span class=\"muted\">{}（已停止办理）</span></li>",
                    escape(&i.name),
                    escape(&i.department.name)
                ));
            }
        }
        h.push_str("</ul></section>");
    }
    h.push_str(
        "<p class=\"noprint\"><a href=\"/public/guide\">返回办事指南 Back to the guide</a></p>",
    );
    frame(&b.name, &h)
}

/// The lookup form, with a problem to show (bad input) and the number typed so far.
pub fn lookup_form(error: Option<&str>, case_no: &str) -> String {
    let mut h = String::from("<h1>办件查询 Case lookup</h1><section>");
    if let Some(e) = error {
        h.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(e)
        ));
    }
    h.push_str(&format!(
        "<form method=\"post\" action=\"/public/lookup\" class=\"search\">\
<label for=\"case_no\">受理编号 Case number<input id=\"case_no\" name=\"case_no\" required maxlength=\"64\" value=\"{}\" autocomplete=\"off\"></label>\
<label for=\"check\">校验码（证件号码后 6 位）Check code<input id=\"check\" name=\"check\" required minlength=\"6\" maxlength=\"6\" autocomplete=\"off\"></label>\
<button type=\"submit\">查询 Look up</button></form>\
<p class=\"muted\">校验码为申请人身份证号码或统一社会信用代码的最后 6 位，字母不区分大小写。</p></section>",
        escape(case_no)
    ));
    frame("办件查询", &h)
}

/// The answer page of a lookup; decided branches link to the rating page of the assessment
/// service (`rate_base`).
pub fn lookup_page(r: &LookupResult, check: &str, rate_base: &str) -> String {
    let mut h = format!(
        "<h1>办件查询结果 Case {}</h1><section id=\"case\"><table class=\"elements\"><tbody>",
        escape(&r.case_no)
    );
    row(&mut h, "受理编号", &escape(&r.case_no));
    row(
        &mut h,
        "办件状态",
        &format!("<strong>{}</strong>", escape(&r.state_label)),
    );
    row(&mut h, "受理时间", &escape(&local(r.accepted_at)));
    row(&mut h, "承诺办结时间", &escape(&local(r.due_at)));
    if r.decided_at.is_some() {
        row(&mut h, "办结时间", &escape(&local_opt(r.decided_at)));
    }
    let mut iss = escape(&r.issuance.state_label);
    if let Some(at) = r.issuance.issued_at {
        iss.push_str(&format!("（{}）", local(at)));
    } else if let Some(due) = r.issuance.due_at {
        iss.push_str(&format!("，最迟 {} 前发证", local(due)));
    }
    row(&mut h, "发证情况", &iss);
    h.push_str("</tbody></table><p class=\"muted\">时间均为北京时间。</p></section>");
    h.push_str("<section id=\"branches\"><h2>各部门办理情况 Departments</h2><table><thead><tr>\
<th scope=\"col\">部门</th><th scope=\"col\">事项</th><th scope=\"col\">状态</th><th scope=\"col\">办理时限</th><th scope=\"col\">结果</th></tr></thead><tbody>");
    for b in &r.branches {
        let mut state = escape(&b.state_label);
        if let Some(a) = &b.awaited {
            state.push_str("<div class=\"awaited\"><strong>待补正材料：</strong>");
            state.push_str(
                &a.materials
                    .iter()
                    .map(|m| escape(&m.name))
                    .collect::<Vec<_>>()
                    .join("、"),
            );
            if let Some(n) = &a.notice {
                state.push_str(&format!("<div>一次性告知：{}</div>", escape(n)));
            }
            state.push_str("</div>");
        }
        let mut outcome = match (&b.outcome_label, b.decided_at) {
            (Some(l), Some(at)) => format!("{}<div class=\"muted\">{}</div>", escape(l), local(at)),
            (Some(l), None) => escape(l),
            _ => "—".into(),
        };
        if b.outcome.is_some() {
            let href = format!(
                "{}/public/rate?case_no={}&check={}&department_id={}",
                rate_base.trim_end_matches('/'),
                url_encode(&r.case_no),
                url_encode(check),
                b.department_id
            );
            outcome.push_str(&format!(
                "<div class=\"noprint\"><a class=\"rate\" href=\"{}\">评价 / rate this department</a></div>",
                escape(&href)
            ));
        }
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{state}</td><td>{}</td><td>{outcome}</td></tr>",
            escape(&b.department_name),
            escape(&b.item_name),
            escape(&local_opt(b.due_at))
        ));
    }
    h.push_str("</tbody></table></section><p class=\"noprint\"><a href=\"/public/lookup\">再查一件 Look up another case</a></p>");
    frame("办件查询结果", &h)
}

pub fn decisions_page(
    item_code: &str,
    from: &str,
    to: &str,
    rows: &[PublicDecision],
    next: Option<String>,
) -> String {
    let mut h = String::from("<h1>结果公开 Published results</h1><section><form class=\"search\" method=\"get\" action=\"/public/decisions\">");
    h.push_str(&format!(
        "<label for=\"item_code\">事项编码 Item code<input id=\"item_code\" name=\"item_code\" value=\"{}\" maxlength=\"64\"></label>\
<label for=\"from\">自 From<input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
<label for=\"to\">至 To<input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
<button type=\"submit\">查询 Search</button></form></section>",
        escape(item_code),
        escape(from),
        escape(to)
    ));
    h.push_str("<section id=\"decisions\"><h2>准予许可决定 Approvals</h2>");
    if rows.is_empty() {
        h.push_str("<p class=\"muted\">暂无公开结果 Nothing published.</p>");
    } else {
        h.push_str("<table><thead><tr><th scope=\"col\">事项</th><th scope=\"col\">部门</th><th scope=\"col\">决定日期</th>\
<th scope=\"col\">许可/决定文号</th><th scope=\"col\">持证单位</th></tr></thead><tbody>");
        for d in rows {
            h.push_str(&format!(
                "<tr><td>{}<div class=\"muted\">{}</div></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&d.item_name),
                escape(&d.item_code),
                escape(&d.department_name),
                d.decided_on.format("%Y-%m-%d"),
                escape(&d.number),
                d.holder
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| "（自然人，不予公开姓名）".into())
            ));
        }
        h.push_str("</tbody></table>");
    }
    if let Some(c) = next {
        let link = format!(
            "/public/decisions?cursor={}&item_code={}&from={}&to={}",
            url_encode(&c),
            url_encode(item_code),
            url_encode(from),
            url_encode(to)
        );
        h.push_str(&format!(
            "<p><a href=\"{}\">下一页 Next page</a></p>",
            escape(&link)
        ));
    }
    h.push_str("</section>");
    frame("结果公开", &h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_is_chinese_readable_on_a_phone_and_prints_on_a4() {
        let p = frame("a<b", "<p>x</p>");
        assert!(p.contains("<html lang=\"zh-CN\">"));
        assert!(p.contains("name=\"viewport\""));
        assert!(p.contains("@page{size:A4"));
        assert!(p.contains("@media print"));
        assert!(p.contains("<title>a&lt;b"));
        assert!(!p.contains("<script"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(url_encode("20260309-0A1B"), "20260309-0A1B");
    }
}
