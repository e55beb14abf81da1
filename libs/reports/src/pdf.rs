//! PDF reports with charts, drawn as vector graphics with `krilla`; the text uses a CJK
//! TrueType font embedded as a subset (only the glyphs used).
//!
//! The font comes from the `PDF_FONT` setting (a `.ttf`/`.otf`/`.ttc` path; for a collection
//! the first face). Without it, the usual Debian paths of `fonts-wqy-zenhei`,
//! `fonts-wqy-microhei` and `fonts-noto-cjk` are tried (product default, [`DEFAULT_FONT_PATHS`]).
//! No font → [`ReportError::FontMissing`] (503 `pdf_font_missing`), never a panic.
//!
//! Layout is planned first (pages of drawing operations, A4 landscape), then rendered.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;

use crate::table::{Cell, ColumnKind, Sheet};
use crate::ReportError;

/// Where a CJK font is looked for when `PDF_FONT` is not set (product default: Debian's
/// `fonts-wqy-zenhei`, `fonts-wqy-microhei`, `fonts-noto-cjk`).
pub const DEFAULT_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
];

/// The font file to use: the setting when given (even if missing: the error then names it),
/// else the first default path that exists.
pub fn font_path(setting: Option<&str>) -> Option<PathBuf> {
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None => DEFAULT_FONT_PATHS
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .map(Path::to_path_buf),
    }
}

/// A loaded font (the whole file; subset when a PDF is written).
#[derive(Clone)]
pub struct PdfFont {
    data: Arc<Vec<u8>>,
    pub path: PathBuf,
}

impl std::fmt::Debug for PdfFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfFont").field("path", &self.path).finish()
    }
}

impl PdfFont {
    /// Read and check the font `setting` names (or a default one).
    pub fn load(setting: Option<&str>) -> Result<PdfFont, ReportError> {
        let Some(path) = font_path(setting) else {
            return Err(ReportError::FontMissing(format!(
                "no CJK font for PDF reports: set PDF_FONT or install fonts-wqy-zenhei (looked in {})",
                DEFAULT_FONT_PATHS.join(", ")
            )));
        };
        let data = std::fs::read(&path)
            .map_err(|e| ReportError::FontMissing(format!("PDF_FONT {}: {e}", path.display())))?;
        let font = PdfFont {
            data: Arc::new(data),
            path,
        };
        font.krilla().ok_or_else(|| {
            ReportError::FontMissing(format!(
                "PDF_FONT {}: not a TrueType/OpenType font",
                font.path.display()
            ))
        })?;
        Ok(font)
    }

    /// [`PdfFont::load`], kept per setting once it succeeded (a font installed later is found
    /// on the next call; a missing one is looked for again each time).
    pub fn cached(setting: Option<&str>) -> Result<PdfFont, ReportError> {
        static CACHE: Mutex<Vec<(Option<String>, PdfFont)>> = Mutex::new(Vec::new());
        let key = setting.map(str::to_string);
        if let Some((_, f)) = CACHE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(f.clone());
        }
        let font = PdfFont::load(setting)?;
        CACHE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((key, font.clone()));
        Ok(font)
    }

    fn krilla(&self) -> Option<Font> {
        Font::new(self.data.clone().into(), 0)
    }
}

/// A grouped horizontal bar chart: one row per label, one bar per series.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// Values are 0–1 fractions shown as percentages (the axis then ends at 100%).
    pub percent: bool,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// RGB.
    pub color: (u8, u8, u8),
    /// One per label; `None` is drawn as no bar with a "—".
    pub values: Vec<Option<f64>>,
}

/// A report: a title, lines under it, a table, charts.
#[derive(Debug, Clone)]
pub struct ChartReport {
    pub title: String,
    pub lines: Vec<String>,
    pub table: Sheet,
    pub charts: Vec<BarChart>,
}

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        color: (u8, u8, u8),
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const MARGIN: f32 = 40.0;
const BLACK: (u8, u8, u8) = (0, 0, 0);
const GREY: (u8, u8, u8) = (90, 90, 90);

struct Planner {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Planner {
    fn new() -> Self {
        Planner {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("at least one page")
    }

    /// Make room for `h` points, starting a new page when needed.
    fn room(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text(&mut self, x: f32, size: f32, text: impl Into<String>, color: (u8, u8, u8)) {
        let y = self.y + size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text: text.into(),
            color,
        });
    }
}

fn cell_text(cell: &Cell, kind: ColumnKind) -> String {
    match (cell, kind) {
        (Cell::Number(n), ColumnKind::Percent) => format!("{:.1}%", n * 100.0),
        (Cell::Number(n), ColumnKind::Decimal) => format!("{n:.2}"),
        (Cell::Number(n), _) => format!("{n}"),
        (Cell::Text(s), _) => s.clone(),
        (Cell::Date(d), _) => d.to_string(),
        (Cell::DateTime(t), _) => t
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        (Cell::Empty, _) => "—".into(),
    }
}

/// Cut `s` to `max` characters (CJK are wide: a rough fit for the column).
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn plan(report: &ChartReport) -> Vec<Vec<Op>> {
    let mut p = Planner::new();
    p.text(MARGIN, 18.0, &report.title, BLACK);
    p.y += 28.0;
    for line in &report.lines {
        p.text(MARGIN, 10.0, line, GREY);
        p.y += 15.0;
    }
    p.y += 8.0;

    // The table: the first column wide (names), the others evenly.
    let cols = report.table.columns.len().max(1);
    let first_w = 150.0;
    let other_w =
        ((PAGE_W - 2.0 * MARGIN - first_w) / (cols.saturating_sub(1).max(1)) as f32).min(110.0);
    let x_of = |c: usize| {
        if c == 0 {
            MARGIN
        } else {
            MARGIN + first_w + other_w * (c - 1) as f32
        }
    };
    let header = |p: &mut Planner| {
        for (c, col) in report.table.columns.iter().enumerate() {
            let max = if c == 0 { 16 } else { (other_w / 8.5) as usize };
            p.text(x_of(c), 8.5, fit(&col.header, max), BLACK);
        }
        p.y += 13.0;
        let y = p.y;
        p.ops().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
        });
        p.y += 3.0;
    };
    p.room(30.0);
    header(&mut p);
    for row in &report.table.rows {
        if p.y + 13.0 > PAGE_H - MARGIN {
            p.room(PAGE_H);
            header(&mut p);
        }
        for (c, cell) in row.iter().enumerate() {
            let kind = report
                .table
                .columns
                .get(c)
                .map(|k| k.kind)
                .unwrap_or(ColumnKind::Text);
            let max = if c == 0 { 16 } else { (other_w / 5.0) as usize };
            p.text(x_of(c), 8.5, fit(&cell_text(cell, kind), max), BLACK);
        }
        p.y += 13.0;
    }

    for chart in &report.charts {
        let bar_h = 7.0;
        let row_h = bar_h * chart.series.len() as f32 + 6.0;
        p.y += 16.0;
        p.room(60.0 + row_h);
        p.text(MARGIN, 12.0, &chart.title, BLACK);
        p.y += 18.0;
        // Legend.
        let mut lx = MARGIN;
        for s in &chart.series {
            let y = p.y;
            p.ops().push(Op::Rect {
                x: lx,
                y: y + 1.0,
                w: 8.0,
                h: 8.0,
                color: s.color,
            });
            p.ops().push(Op::Text {
                x: lx + 11.0,
                y: y + 9.0,
                size: 8.5,
                text: s.name.clone(),
                color: BLACK,
            });
            lx += 24.0 + 9.0 * s.name.chars().count() as f32;
        }
        p.y += 16.0;
        let label_w = 150.0;
        let plot_x = MARGIN + label_w;
        let plot_w = PAGE_W - 2.0 * MARGIN - label_w - 50.0;
        let max = if chart.percent {
            1.0
        } else {
            chart
                .series
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .fold(0.0_f64, |a, b| a.max(*b))
                .max(1.0)
        };
        for (i, label) in chart.labels.iter().enumerate() {
            p.room(row_h);
            p.text(MARGIN, 8.5, fit(label, 16), BLACK);
            let mut y = p.y;
            for s in &chart.series {
                let v = s.values.get(i).copied().flatten();
                let w = v
                    .map(|v| (v.clamp(0.0, max) / max) as f32 * plot_w)
                    .unwrap_or(0.0);
                if w > 0.0 {
                    p.ops().push(Op::Rect {
                        x: plot_x,
                        y,
                        w,
                        h: bar_h - 1.0,
                        color: s.color,
                    });
                }
                let value = match v {
                    None => "—".to_string(),
                    Some(v) if chart.percent => format!("{:.1}%", v * 100.0),
                    Some(v) => format!("{v}"),
                };
                p.ops().push(Op::Text {
                    x: plot_x + w + 3.0,
                    y: y + bar_h - 1.0,
                    size: 6.5,
                    text: value,
                    color: GREY,
                });
                y += bar_h;
            }
            let y = p.y;
            p.ops().push(Op::Line {
                x1: plot_x,
                y1: y - 2.0,
                x2: plot_x,
                y2: y + row_h - 4.0,
            });
            p.y += row_h;
        }
    }
    p.pages
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Write the report as PDF bytes.
pub fn render(report: &ChartReport, font: &PdfFont) -> Result<Vec<u8>, ReportError> {
    let kfont = font
        .krilla()
        .ok_or_else(|| ReportError::FontMissing("PDF font cannot be read".into()))?;
    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(report.title.clone())
            .language("zh-CN".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ReportError::Pdf("page size".into()))?;
    for ops in plan(report) {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    text,
                    color,
                } => {
                    surface.set_fill(Some(fill(color)));
                    surface.set_stroke(None);
                    surface.draw_text(
                        Point::from_xy(x, y),
                        kfont.clone(),
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, color } => {
                    let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                        continue;
                    };
                    let mut pb = PathBuilder::new();
                    pb.push_rect(rect);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(Some(fill(color)));
                        surface.set_stroke(None);
                        surface.draw_path(&path);
                    }
                }
                Op::Line { x1, y1, x2, y2 } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y1);
                    pb.line_to(x2, y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(120, 120, 120).into(),
                            width: 0.6,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    fn report(rows: usize) -> ChartReport {
        let mut table = Sheet::new(
            "月分析",
            vec![
                Column::new("部门", ColumnKind::Text),
                Column::new("受理件数", ColumnKind::Integer),
                Column::new("按时办结率", ColumnKind::Percent),
            ],
        );
        let mut labels = Vec::new();
        for i in 0..rows {
            table.push(vec![
                format!("公安局{i}").into(),
                (i as u64).into(),
                Some(0.5).into(),
            ]);
            labels.push(format!("公安局{i}"));
        }
        ChartReport {
            title: "月分析 2026年3月".into(),
            lines: vec!["统计期间 2026-03-01 至 2026-03-31".into()],
            table,
            charts: vec![BarChart {
                title: "按时办结率".into(),
                labels,
                series: vec![Series {
                    name: "按时".into(),
                    color: (40, 110, 200),
                    values: vec![Some(0.5); rows],
                }],
                percent: true,
            }],
        }
    }

    #[test]
    fn long_reports_spill_onto_more_pages() {
        assert_eq!(plan(&report(3)).len(), 1);
        assert!(plan(&report(80)).len() >= 3);
    }

    #[test]
    fn a_named_missing_font_is_reported_not_panicked() {
        let e = PdfFont::load(Some("/nonexistent/font.ttc")).unwrap_err();
        assert!(matches!(e, ReportError::FontMissing(_)), "{e}");
        let e = PdfFont::load(Some("/etc/hostname")).unwrap_err();
        assert!(matches!(e, ReportError::FontMissing(_)), "{e}");
    }

    #[test]
    fn renders_with_the_default_font_when_installed() {
        let Ok(font) = PdfFont::load(None) else {
            if std::env::var_os("CI").is_some() {
                panic!("CI must have a CJK font (fonts-wqy-zenhei)");
            }
            println!("SKIPPED: no CJK font installed");
            return;
        };
        let bytes = render(&report(5), &font).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
        assert!(text.contains("月分析"), "{text}");
        assert!(text.contains("公安局3"), "{text}");
    }
}
