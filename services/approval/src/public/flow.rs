//! The item's flow chart (办理流程图, the 一图 of 一表一图) as an inline SVG, drawn from its
//! `flow_steps`: 窗口受理 at the top, one box per step (its name and who acts), 办结 at the
//! bottom, arrows between. Pure: the same steps always draw the same picture; every label is
//! escaped. Vertical, so it stays readable on a phone.

use crate::catalogue::model::FlowStep;
use crate::console::html::escape;

use super::guide::role_label;

const WIDTH: u32 = 320;
const BOX_W: u32 = 260;
const BOX_H: u32 = 52;
const GAP: u32 = 30;
const TOP: u32 = 10;

/// The SVG of a flow: 受理, the steps, 办结.
pub fn flow_svg(steps: &[FlowStep]) -> String {
    let mut boxes: Vec<(String, String, bool)> =
        vec![("窗口受理".into(), "综合窗口一口受理".into(), true)];
    for s in steps {
        boxes.push((s.name.clone(), role_label(s.role).into(), false));
    }
    boxes.push(("办结".into(), "出具结果，统一发证".into(), true));
    let n = boxes.len() as u32;
    let height = TOP * 2 + n * BOX_H + (n - 1) * GAP;
    let x = (WIDTH - BOX_W) / 2;
    let mid = WIDTH / 2;
    let mut svg = format!(
        "<svg class=\"flow\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-labelledby=\"flow-title\">\
<title id=\"flow-title\">办理流程图：{}</title>\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#15314b\"/></marker></defs>",
        escape(
            &boxes
                .iter()
                .map(|b| b.0.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        )
    );
    for (k, (name, who, terminal)) in boxes.iter().enumerate() {
        let y = TOP + k as u32 * (BOX_H + GAP);
        let (fill, rx) = if *terminal {
            ("#e8eef5", 26)
        } else {
            ("#ffffff", 6)
        };
        svg.push_str(&format!(
            "<g class=\"step\"><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"{rx}\" \
fill=\"{fill}\" stroke=\"#15314b\" stroke-width=\"1.5\"/>\
<text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" fill=\"#1d2733\">{}</text>\
<text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#5a6b7d\">{}</text></g>",
            y + 22,
            escape(name),
            y + 41,
            escape(who)
        ));
        if k + 1 < boxes.len() {
            let y1 = y + BOX_H;
            let y2 = y1 + GAP - 2;
            svg.push_str(&format!(
                "<line class=\"arrow\" x1=\"{mid}\" y1=\"{y1}\" x2=\"{mid}\" y2=\"{y2}\" stroke=\"#15314b\" \
stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>"
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::model::{default_flow, StepRole};

    #[test]
    fn one_box_per_step_between_acceptance_and_completion_with_arrows() {
        let svg = flow_svg(&default_flow());
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 4);
        assert_eq!(svg.matches("class=\"arrow\"").count(), 3);
        assert!(svg.contains("窗口受理"));
        assert!(svg.contains("一审 review"));
        assert!(svg.contains("首席代表审批（一核）"));
        assert!(svg.contains("办结"));
    }

    #[test]
    fn labels_are_escaped() {
        let svg = flow_svg(&[FlowStep {
            name: "<script>x</script>".into(),
            role: StepRole::Reviewer,
        }]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
