//! The supervision board (电子监察 看板) as plain data and its pure renderer.

use super::chart::line_chart;
use super::html::{escape, page, percent};

/// One department's live figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    /// Branches not yet decided (not cancelled).
    pub open: u64,
    /// Open branches past their due moment.
    pub overdue: u64,
    /// Open (not closed) cards by level.
    pub warning: u64,
    pub yellow: u64,
    pub red: u64,
}

/// One card of the latest-cards list, formatted for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardRow {
    pub id: i32,
    /// `warning`, `yellow`, `red`, `unclaimed`.
    pub level: String,
    pub department: String,
    pub case_id: i32,
    /// e.g. `branch 12`.
    pub subject: String,
    /// Local time (Asia/Shanghai), `YYYY-MM-DD HH:MM`.
    pub issued_at: String,
    /// `open`, or how it was closed.
    pub status: String,
    pub reason: String,
}

/// One week of the on-time chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekRow {
    /// The Monday the week starts on, `MM-DD`.
    pub label: String,
    /// Branches finished in the week, and of those on time.
    pub finished: u64,
    pub on_time: u64,
}

impl WeekRow {
    /// 按时办结率: on time ÷ finished, `None` when nothing finished.
    pub fn rate(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.on_time as f64 / self.finished as f64)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Board {
    /// Display name and role of the viewer.
    pub viewer: String,
    pub role: String,
    /// When the figures were taken, local time.
    pub as_of: String,
    pub departments: Vec<DepartmentRow>,
    pub cards: Vec<CardRow>,
    /// Oldest first.
    pub weeks: Vec<WeekRow>,
    /// Open branches whose time limits were computed over a year without a published holiday
    /// table (provisional, re-planned when the table is published).
    pub provisional_open: u64,
}

/// Seconds between the board's reloads (`<meta http-equiv="refresh">`).
pub const REFRESH_SECONDS: u32 = 60;

fn level_label(level: &str) -> &'static str {
    match level {
        "warning" => "预警 warning",
        "yellow" => "黄牌 yellow",
        "red" => "红牌 red",
        "unclaimed" => "认领超时 unclaimed",
        "statutory_breach" => "超法定时限 statutory breach",
        "pause_overdue" => "暂停超时 pause overdue",
        "issuance_overdue" => "发证超时 issuance overdue",
        _ => "card",
    }
}

fn count_cell(class: &str, n: u64) -> String {
    let hot = if n > 0 && class != "open" { " hot" } else { "" };
    format!("<td class=\"num {class}{hot}\">{n}</td>")
}

pub fn render_board(b: &Board) -> String {
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(&format!(
        "<header><h1>电子监察 Supervision console</h1><div class=\"who\"><span>as of {} (Asia/Shanghai) · \
{} ({})</span><form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form></div></header><main>",
        escape(&b.as_of),
        escape(&b.viewer),
        escape(&b.role)
    ));

    if b.provisional_open > 0 {
        html.push_str(&format!(
            "<p class=\"provisional\" role=\"status\">暂定时限 Provisional: {} open branch(es) have time limits \
computed over a year whose holiday table is not published yet (from the statutory holiday rules); \
they are re-planned when the table is published.</p>",
            b.provisional_open
        ));
    }
    // The board: one row per department.
    html.push_str(
        "<section id=\"board\"><h2>Open branches by department</h2><table><thead><tr><th>Department</th>\
<th class=\"num\">Open</th><th class=\"num\">Overdue</th><th class=\"num\">预警 Warning</th>\
<th class=\"num\">黄牌 Yellow</th><th class=\"num\">红牌 Red</th></tr></thead><tbody>",
    );
    let mut total = DepartmentRow::default();
    for d in &b.departments {
        html.push_str(&format!(
            "<tr data-dept=\"{}\"><td class=\"name\">{}<div class=\"muted\">{}</div></td>{}{}{}{}{}</tr>",
            escape(&d.code),
            escape(&d.name),
            escape(&d.code),
            count_cell("open", d.open),
            count_cell("overdue", d.overdue),
            count_cell("warning", d.warning),
            count_cell("yellow", d.yellow),
            count_cell("red", d.red),
        ));
        total.open += d.open;
        total.overdue += d.overdue;
        total.warning += d.warning;
        total.yellow += d.yellow;
        total.red += d.red;
    }
    if b.departments.is_empty() {
        html.push_str("<tr><td colspan=\"6\" class=\"muted\">No departments yet.</td></tr>");
    }
    html.push_str(&format!(
        "</tbody><tfoot><tr data-dept=\"\"><td>Total</td>{}{}{}{}{}</tr></tfoot></table>\
<p class=\"muted\">Cards count while open; a card closes when its branch is decided or it is revoked.</p></section>",
        count_cell("open", total.open),
        count_cell("overdue", total.overdue),
        count_cell("warning", total.warning),
        count_cell("yellow", total.yellow),
        count_cell("red", total.red),
    ));

    // The on-time rate per week.
    let series: Vec<(String, Option<f64>)> = b
        .weeks
        .iter()
        .map(|w| (w.label.clone(), w.rate().map(|r| r * 100.0)))
        .collect();
    html.push_str(&format!(
        "<section id=\"on-time\"><h2>按时办结率 On-time rate per week</h2><figure>{}</figure>\
<table><thead><tr><th>Week of</th><th class=\"num\">Finished</th><th class=\"num\">On time</th><th class=\"num\">Rate</th></tr></thead><tbody>",
        line_chart(&series, 520, 220, "%", "On-time rate per week, last weeks")
    ));
    for w in &b.weeks {
        html.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&w.label),
            w.finished,
            w.on_time,
            percent(w.rate())
        ));
    }
    html.push_str("</tbody></table></section>");

    // The latest cards.
    html.push_str(
        "<section id=\"cards\" class=\"wide\"><h2>Latest cards</h2><table><thead><tr><th>#</th><th>Level</th>\
<th>Department</th><th>Case</th><th>Issued</th><th>Status</th><th>Reason</th></tr></thead><tbody>",
    );
    for c in &b.cards {
        html.push_str(&format!(
            "<tr class=\"card\" data-level=\"{lvl}\"><td>{}</td><td><span class=\"badge {lvl}\">{}</span></td><td>{}</td>\
<td>case {} · {}</td><td>{}</td><td>{}</td><td class=\"reason\" title=\"{reason}\">{reason}</td></tr>",
            c.id,
            level_label(&c.level),
            escape(&c.department),
            c.case_id,
            escape(&c.subject),
            escape(&c.issued_at),
            escape(&c.status),
            lvl = escape(&c.level),
            reason = escape(&c.reason),
        ));
    }
    if b.cards.is_empty() {
        html.push_str("<tr><td colspan=\"7\" class=\"muted\">No cards issued.</td></tr>");
    }
    html.push_str("</tbody></table></section></main>");
    page("电子监察 Supervision console", Some(REFRESH_SECONDS), &html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> Board {
        Board {
            viewer: "Demo supervisor".into(),
            role: "supervisor".into(),
            as_of: "2026-03-11 09:00".into(),
            departments: vec![
                DepartmentRow {
                    code: "HHHT-SCJG".into(),
                    name: "呼和浩特市工商行政管理局".into(),
                    open: 2,
                    ..Default::default()
                },
                DepartmentRow {
                    code: "HHHT-GAJ".into(),
                    name: "呼和浩特市公安局".into(),
                    open: 1,
                    overdue: 1,
                    warning: 1,
                    yellow: 1,
                    red: 0,
                },
                DepartmentRow {
                    code: "X<1>".into(),
                    name: "<script>alert(1)</script>".into(),
                    ..Default::default()
                },
            ],
            cards: vec![CardRow {
                id: 7,
                level: "yellow".into(),
                department: "呼和浩特市公安局".into(),
                case_id: 3,
                subject: "branch 12".into(),
                issued_at: "2026-03-10 17:00".into(),
                status: "open".into(),
                reason: "overdue since \"Tue\" & counting".into(),
            }],
            weeks: vec![
                WeekRow {
                    label: "02-23".into(),
                    finished: 0,
                    on_time: 0,
                },
                WeekRow {
                    label: "03-02".into(),
                    finished: 4,
                    on_time: 3,
                },
                WeekRow {
                    label: "03-09".into(),
                    finished: 2,
                    on_time: 2,
                },
            ],
            provisional_open: 0,
        }
    }

    /// The HTML of the row of department `code`.
    fn row<'a>(html: &'a str, code: &str) -> &'a str {
        let start = html
            .find(&format!("<tr data-dept=\"{code}\">"))
            .expect("row");
        let rest = &html[start..];
        &rest[..rest.find("</tr>").unwrap()]
    }

    #[test]
    fn provisional_time_limits_are_flagged_on_the_board() {
        let mut b = board();
        assert!(!render_board(&b).contains("暂定时限"));
        b.provisional_open = 3;
        let html = render_board(&b);
        assert!(
            html.contains("暂定时限 Provisional: 3 open branch(es)"),
            "{html}"
        );
        assert_eq!(
            level_label("statutory_breach"),
            "超法定时限 statutory breach"
        );
    }

    #[test]
    fn a_row_per_department_with_its_counts_in_cells() {
        let html = render_board(&board());
        assert_eq!(
            html.matches("<tr data-dept=\"").count(),
            3 + 1,
            "three rows and the total"
        );
        let gaj = row(&html, "HHHT-GAJ");
        assert!(gaj.contains("呼和浩特市公安局"));
        for cell in [
            "<td class=\"num open\">1</td>",
            "<td class=\"num overdue hot\">1</td>",
            "<td class=\"num warning hot\">1</td>",
            "<td class=\"num yellow hot\">1</td>",
            "<td class=\"num red\">0</td>",
        ] {
            assert!(gaj.contains(cell), "{cell} in {gaj}");
        }
        assert!(row(&html, "HHHT-SCJG").contains("<td class=\"num open\">2</td>"));
        let total = row(&html, "");
        assert!(total.contains("<td class=\"num open\">3</td>"));
        assert!(total.contains("<td class=\"num yellow hot\">1</td>"));
    }

    #[test]
    fn every_value_is_escaped() {
        let html = render_board(&board());
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<tr data-dept=\"X&lt;1&gt;\">"));
        assert!(html.contains("overdue since &quot;Tue&quot; &amp; counting"));
    }

    #[test]
    fn the_cards_are_listed_with_their_level() {
        let html = render_board(&board());
        assert_eq!(html.matches("<tr class=\"card\"").count(), 1);
        assert!(html.contains("<span class=\"badge yellow\">黄牌 yellow</span>"));
        assert!(html.contains("case 3 · branch 12"));
        let empty = render_board(&Board::default());
        assert!(empty.contains("No cards issued."));
        assert!(empty.contains("No departments yet."));
    }

    #[test]
    fn the_chart_has_a_point_per_week_with_finished_branches() {
        let html = render_board(&board());
        let start = html.find("<section id=\"on-time\">").unwrap();
        let section = &html[start..start + html[start..].find("</section>").unwrap()];
        assert_eq!(section.matches("<svg").count(), 1);
        assert_eq!(
            section.matches("<circle").count(),
            2,
            "the empty week has no point"
        );
        assert!(section.contains("<title>03-02: 75.0%</title>"));
        assert!(section.contains("<td class=\"num\">75.0%</td>"));
        assert!(section.contains("<td class=\"num\">–</td>"));
    }

    #[test]
    fn the_board_refreshes_itself_without_script() {
        let html = render_board(&board());
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"60\">"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn the_weekly_rate() {
        let w = WeekRow {
            label: String::new(),
            finished: 4,
            on_time: 3,
        };
        assert_eq!(w.rate(), Some(0.75));
        assert_eq!(WeekRow::default().rate(), None);
    }
}
