//! Line charts as inline SVG, drawn by a pure function: no script, no assets.
//!
//! The y axis always runs from 0 to 100 (rates are charted as percentages, scores are out of
//! 100). A missing value (`None`: nothing to measure that period) leaves a gap: the line is
//! split there rather than drawn across a period without data.

use super::html::escape;

/// Room around the plot for the tick labels (left) and the x labels (bottom).
pub const LEFT: f64 = 40.0;
pub const RIGHT: f64 = 20.0;
pub const TOP: f64 = 10.0;
pub const BOTTOM: f64 = 24.0;

/// Where the `i`-th of `n` values lands in a `w`×`h` chart: evenly spaced from the left to the
/// right edge of the plot (a single value in the middle), 0 at the bottom, 100 at the top;
/// values outside 0–100 are clamped to the edge.
pub fn point(i: usize, n: usize, value: f64, w: u32, h: u32) -> (f64, f64) {
    let (x0, x1) = (LEFT, f64::from(w) - RIGHT);
    let (y0, y1) = (TOP, f64::from(h) - BOTTOM);
    let x = if n <= 1 {
        (x0 + x1) / 2.0
    } else {
        x0 + i as f64 * (x1 - x0) / (n - 1) as f64
    };
    let v = if value.is_finite() {
        value.clamp(0.0, 100.0)
    } else {
        0.0
    };
    (x, y1 - v / 100.0 * (y1 - y0))
}

/// An SVG line chart of `series` (label, value 0–100 or `None`), `w`×`h` pixels. Each value
/// is a dot with a tooltip (`label: value unit`); runs of consecutive values are joined by a
/// polyline; every label is written under its position. `title` is the accessible name.
pub fn line_chart(
    series: &[(String, Option<f64>)],
    w: u32,
    h: u32,
    unit: &str,
    title: &str,
) -> String {
    let n = series.len();
    let (x0, x1) = (LEFT, f64::from(w) - RIGHT);
    let (y0, y1) = (TOP, f64::from(h) - BOTTOM);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{w}\" height=\"{h}\" \
viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    svg.push_str(&format!(
        "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fbfcfd\"/>",
        x1 - x0,
        y1 - y0
    ));
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = y1 - tick / 100.0 * (y1 - y0);
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"#e1e6ec\" stroke-width=\"1\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#6b7a89\" text-anchor=\"end\">{tick}{}</text>",
            x0 - 4.0,
            y + 3.5,
            escape(unit)
        ));
    }
    // Label every position when they fit, else every k-th.
    let room = (x1 - x0) / n.max(1) as f64;
    let every = if room >= 34.0 {
        1
    } else {
        (34.0 / room).ceil() as usize
    };
    for (i, (label, _)) in series.iter().enumerate() {
        if i % every != 0 && i + 1 != n {
            continue;
        }
        let (x, _) = point(i, n, 0.0, w, h);
        svg.push_str(&format!(
            "<text class=\"xl\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#5a6b7d\" text-anchor=\"middle\">{}</text>",
            y1 + 15.0,
            escape(label)
        ));
    }
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (i, (_, v)) in series.iter().enumerate() {
        match v {
            Some(v) => current.push(point(i, n, *v, w, h)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in runs.iter().filter(|r| r.len() > 1) {
        let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        svg.push_str(&format!(
            "<polyline class=\"line\" fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\" points=\"{}\"/>",
            pts.join(" ")
        ));
    }
    for (i, (label, v)) in series.iter().enumerate() {
        if let Some(v) = v {
            let (x, y) = point(i, n, *v, w, h);
            svg.push_str(&format!(
                "<circle class=\"pt\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#2b6cb0\"><title>{}: {v:.1}{}</title></circle>",
                escape(label),
                escape(unit)
            ));
        }
    }
    if runs.is_empty() {
        svg.push_str(&format!(
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#8a97a5\" text-anchor=\"middle\">no data yet</text>",
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(values: &[Option<f64>]) -> Vec<(String, Option<f64>)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("W{i}"), *v))
            .collect()
    }

    /// The `points` attribute of every polyline, parsed.
    fn polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
        svg.split("<polyline")
            .skip(1)
            .map(|p| {
                let pts = p
                    .split("points=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                pts.split(' ')
                    .map(|xy| {
                        let (x, y) = xy.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn geometry_spans_the_plot_from_bottom_zero_to_top_hundred() {
        let (w, h) = (400, 200);
        assert_eq!(point(0, 5, 0.0, w, h), (LEFT, 200.0 - BOTTOM));
        assert_eq!(point(4, 5, 100.0, w, h), (400.0 - RIGHT, TOP));
        assert_eq!(
            point(2, 5, 50.0, w, h),
            ((LEFT + 400.0 - RIGHT) / 2.0, (TOP + 200.0 - BOTTOM) / 2.0)
        );
        assert_eq!(
            point(0, 1, 50.0, w, h).0,
            (LEFT + 400.0 - RIGHT) / 2.0,
            "one value: centred"
        );
        assert_eq!(point(1, 3, 140.0, w, h).1, TOP, "clamped to the top");
        assert_eq!(
            point(1, 3, -5.0, w, h).1,
            200.0 - BOTTOM,
            "clamped to the bottom"
        );
        assert_eq!(point(1, 3, f64::NAN, w, h).1, 200.0 - BOTTOM);
    }

    #[test]
    fn one_dot_per_value_and_a_polyline_through_them() {
        let svg = line_chart(
            &s(&[Some(0.0), Some(50.0), Some(100.0), Some(75.0)]),
            400,
            200,
            "%",
            "rate",
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("width=\"400\" height=\"200\" viewBox=\"0 0 400 200\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 4);
        let lines = polylines(&svg);
        assert_eq!(lines.len(), 1);
        let pts = &lines[0];
        assert_eq!(pts.len(), 4);
        assert_eq!(pts[0], (40.0, 176.0), "0 at the bottom left");
        assert_eq!(pts[2].1, 10.0, "100 at the top");
        assert_eq!(
            pts[3],
            (380.0, 51.5),
            "the last at the right edge; 75 → 176 − 0.75 × 166"
        );
        assert!(pts.windows(2).all(|p| p[1].0 > p[0].0), "left to right");
        assert_eq!(
            svg.matches("class=\"xl\"").count(),
            4,
            "a label per position"
        );
        assert!(svg.contains("<title>W3: 75.0%</title>"));
        assert!(!svg.contains("no data"));
    }

    #[test]
    fn a_missing_value_splits_the_line() {
        let svg = line_chart(
            &s(&[
                Some(10.0),
                Some(20.0),
                None,
                Some(30.0),
                Some(40.0),
                None,
                Some(50.0),
            ]),
            400,
            200,
            "",
            "t",
        );
        assert_eq!(svg.matches("<circle").count(), 5);
        let lines = polylines(&svg);
        assert_eq!(
            lines.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![2, 2],
            "the lone last value is a dot only"
        );
    }

    #[test]
    fn no_values_says_so() {
        let svg = line_chart(&s(&[None, None]), 300, 120, "%", "t");
        assert_eq!(svg.matches("<circle").count(), 0);
        assert_eq!(svg.matches("<polyline").count(), 0);
        assert!(svg.contains("no data yet"));
        assert!(line_chart(&[], 300, 120, "%", "t").contains("no data yet"));
    }

    #[test]
    fn labels_and_title_are_escaped() {
        let svg = line_chart(&[("<b>&".into(), Some(1.0))], 300, 120, "%", "a\"b");
        assert!(svg.contains(">&lt;b&gt;&amp;</text>"));
        assert!(svg.contains("aria-label=\"a&quot;b\""));
        assert!(!svg.contains("<b>"));
    }
}
