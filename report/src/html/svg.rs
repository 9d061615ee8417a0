//! The SVG timeline of one incident: a lane per process, a mark per event, the handle's
//! lifetime as bars, and a time axis in milliseconds since the open.
//!
//! [`layout`] computes every position and every text label's box (the labels are set in a
//! monospace font so their widths are known here); [`render`] writes the SVG.

use std::fmt::Write as _;

use super::axis::{format_offset, Axis, Tick, BREAK_PX};
use super::escape::{push_escaped, push_num};
use super::model::{IncidentView, Mark, MarkKind};

/// Width of a timeline.
pub const WIDTH: f64 = 980.0;
/// Left end of the plot area (lane labels are left of it).
const PLOT_X0: f64 = 222.0;
/// Right end of the plot area.
const PLOT_X1: f64 = 918.0;
/// Left edge of the lane labels.
const LANE_LABEL_X: f64 = 10.0;
/// Font size of labels.
const FONT_PX: f64 = 11.0;
/// Font size of the lane roles.
const ROLE_FONT_PX: f64 = 10.0;
/// Advance of a monospace character, as a fraction of the font size (0.6 in the usual
/// monospace fonts, rounded up).
const CHAR_EM: f64 = 0.62;
/// Height of a row of mark labels.
const ROW_PX: f64 = 15.0;
/// At most this many rows of mark labels per lane; labels that do not fit are left out (the
/// mark keeps its tooltip).
const MAX_LABEL_ROWS: usize = 3;
/// Longest mark label.
const MAX_MARK_LABEL_CHARS: usize = 36;
/// Room for the mark glyphs below the label rows.
const MARK_ZONE_PX: f64 = 30.0;
/// Space kept between two labels of a row.
const LABEL_GAP_PX: f64 = 6.0;

/// How a label is anchored at its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// x is the left edge.
    Start,
    /// x is the centre.
    Middle,
    /// x is the right edge.
    End,
}

/// A text label and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The text.
    pub text: String,
    /// Anchor point.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// How the text hangs from `x`.
    pub anchor: Anchor,
    /// Font size in pixels.
    pub size: f64,
    /// CSS class.
    pub class: &'static str,
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// True when the two rectangles share interior points.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

impl Label {
    /// The box the text covers: advance width times characters, ascent and descent of the font.
    pub fn bbox(&self) -> Rect {
        let w = text_width(&self.text, self.size);
        let x = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - w / 2.0,
            Anchor::End => self.x - w,
        };
        Rect {
            x,
            y: self.y - 0.95 * self.size,
            w,
            h: 1.2 * self.size,
        }
    }
}

fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * CHAR_EM * size
}

/// A lane's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneBox {
    /// Top edge.
    pub top: f64,
    /// Height.
    pub height: f64,
    /// The line the marks and bars sit on.
    pub mark_y: f64,
}

/// A mark's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkSpot {
    /// Index into the incident's marks.
    pub mark: usize,
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
}

/// Everything [`render`] needs, computed once.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Height of the drawing.
    pub height: f64,
    /// The time axis.
    pub axis: Axis,
    /// One per lane of the incident.
    pub lanes: Vec<LaneBox>,
    /// One per mark whose lane exists.
    pub marks: Vec<MarkSpot>,
    /// Every text of the drawing: lane names and roles, mark labels, tick labels, caption.
    pub labels: Vec<Label>,
    /// The axis ticks.
    pub ticks: Vec<Tick>,
    /// The axis line.
    pub axis_y: f64,
}

/// The short text next to a mark: `Process Create +7.0 ms`, `SHARING VIOLATION +40 ms`.
pub fn mark_label(mark: &Mark) -> String {
    let what = match mark.kind {
        MarkKind::Open => "open",
        MarkKind::ProcessCreate => "Process Create",
        MarkKind::FailedOpen if !mark.tooltip.result.is_empty() => mark.tooltip.result.as_str(),
        MarkKind::FailedOpen => "failed open",
        MarkKind::Close => "close",
        MarkKind::Exit => "exit",
    };
    let text = if mark.time_ms == 0.0 {
        format!("{what} (t = 0)")
    } else {
        format!("{what} {}", format_offset(mark.time_ms))
    };
    truncate(&text, MAX_MARK_LABEL_CHARS)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Lays out the timeline of `incident`.
pub fn layout(incident: &IncidentView) -> Timeline {
    let times: Vec<f64> = incident
        .marks
        .iter()
        .map(|m| m.time_ms)
        .chain(
            incident
                .handle_bars
                .iter()
                .flat_map(|b| [b.from_ms, b.to_ms]),
        )
        .collect();
    let axis = Axis::new(&times, PLOT_X0, PLOT_X1);

    // Mark labels per lane, stacked in rows above the marks.
    let mut per_lane: Vec<Vec<(usize, f64)>> = vec![Vec::new(); incident.lanes.len()];
    for (i, m) in incident.marks.iter().enumerate() {
        if let Some(lane) = per_lane.get_mut(m.lane) {
            lane.push((i, axis.x(m.time_ms)));
        }
    }
    let mut labels = Vec::new();
    let mut lanes = Vec::with_capacity(incident.lanes.len());
    let mut marks = Vec::new();
    let mut top = 8.0;
    for (lane_index, spots) in per_lane.iter_mut().enumerate() {
        spots.sort_by(|a, b| a.1.total_cmp(&b.1));
        // Each placed label with its row; the baseline is set once the rows are counted.
        let mut placed: Vec<(usize, Label)> = Vec::new();
        let mut rows: Vec<Vec<Rect>> = vec![Vec::new(); MAX_LABEL_ROWS];
        for &(mark, x) in spots.iter() {
            let text = mark_label(&incident.marks[mark]);
            let w = text_width(&text, FONT_PX);
            let (x, anchor) = if x - 4.0 + w <= WIDTH - 4.0 {
                (x - 4.0, Anchor::Start)
            } else {
                (x + 4.0, Anchor::End)
            };
            let label = Label {
                text,
                x,
                y: 0.0,
                anchor,
                size: FONT_PX,
                class: "mark-label",
            };
            let b = label.bbox();
            let probe = Rect {
                x: b.x - LABEL_GAP_PX / 2.0,
                y: 0.0,
                w: b.w + LABEL_GAP_PX,
                h: 1.0,
            };
            if let Some(row) = rows
                .iter()
                .position(|r| r.iter().all(|b| !b.overlaps(&probe)))
            {
                rows[row].push(probe);
                placed.push((row, label));
            }
        }
        let used_rows = rows.iter().filter(|r| !r.is_empty()).count();
        let mark_y = top + 6.0 + used_rows as f64 * ROW_PX + MARK_ZONE_PX / 2.0;
        let height = 6.0 + used_rows as f64 * ROW_PX + MARK_ZONE_PX;
        for (row, label) in placed {
            labels.push(Label {
                y: mark_y - 10.0 - row as f64 * ROW_PX,
                ..label
            });
        }
        for &(mark, x) in spots.iter() {
            marks.push(MarkSpot { mark, x, y: mark_y });
        }
        let lane = &incident.lanes[lane_index];
        let name_chars = ((PLOT_X0 - 14.0 - LANE_LABEL_X) / (CHAR_EM * FONT_PX)) as usize;
        labels.push(Label {
            text: truncate(&lane.process, name_chars),
            x: LANE_LABEL_X,
            y: mark_y - 3.0,
            anchor: Anchor::Start,
            size: FONT_PX,
            class: "lane-name",
        });
        labels.push(Label {
            text: lane.role.name().to_string(),
            x: LANE_LABEL_X,
            y: mark_y + 11.0,
            anchor: Anchor::Start,
            size: ROLE_FONT_PX,
            class: "lane-role",
        });
        lanes.push(LaneBox {
            top,
            height,
            mark_y,
        });
        top += height;
    }

    let axis_y = top + 4.0;
    let ticks = axis.ticks(|t| text_width(t, FONT_PX));
    for t in &ticks {
        labels.push(Label {
            text: t.label.clone(),
            x: t.x,
            y: axis_y + 17.0,
            anchor: Anchor::Middle,
            size: FONT_PX,
            class: "tick-label",
        });
    }
    let caption = if axis.segments().len() > 1 {
        "time since the open; hatched bands skip idle time"
    } else {
        "time since the open"
    };
    labels.push(Label {
        text: caption.to_string(),
        x: PLOT_X0,
        y: axis_y + 36.0,
        anchor: Anchor::Start,
        size: FONT_PX,
        class: "axis-caption",
    });
    Timeline {
        height: axis_y + 46.0,
        axis,
        lanes,
        marks,
        labels,
        ticks,
        axis_y,
    }
}

/// The hover text of a mark: event index first, then ProcMon's columns.
pub fn tooltip_text(mark: &Mark) -> String {
    let t = &mark.tooltip;
    let mut s = format!(
        "event #{} · {}",
        mark.event_index,
        format_offset(mark.time_ms)
    );
    for (name, value) in [
        ("time", &t.time),
        ("operation", &t.operation),
        ("path", &t.path),
        ("result", &t.result),
        ("detail", &t.detail),
    ] {
        if !value.is_empty() {
            let _ = write!(s, "\n{name}: {value}");
        }
    }
    s
}

/// Writes the SVG of `incident` laid out as `timeline`; `id` makes its element ids unique in
/// the page.
pub fn render(incident: &IncidentView, timeline: &Timeline, id: &str, out: &mut String) {
    let h = timeline.height;
    out.push_str("<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"");
    push_num(out, WIDTH);
    out.push_str("\" height=\"");
    push_num(out, h);
    out.push_str("\" viewBox=\"0 0 ");
    push_num(out, WIDTH);
    out.push(' ');
    push_num(out, h);
    out.push_str("\" font-family=\"ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace\" font-size=\"11\" role=\"img\" aria-label=\"Timeline of ");
    push_escaped(out, &incident.path);
    out.push_str("\">");
    let _ = write!(
        out,
        "<defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3f4f6\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c9ced6\" stroke-width=\"2\"/></pattern></defs>"
    );
    render_lanes(incident, timeline, out);
    render_grid(timeline, out);
    render_breaks(timeline, id, out);
    render_bars(incident, timeline, out);
    render_marks(incident, timeline, out);
    render_axis(timeline, out);
    out.push_str("<g class=\"labels\">");
    for label in &timeline.labels {
        render_label(label, out);
    }
    out.push_str("</g></svg>");
}

fn render_lanes(incident: &IncidentView, timeline: &Timeline, out: &mut String) {
    out.push_str("<g class=\"lanes\">");
    for (i, (lane, b)) in incident.lanes.iter().zip(&timeline.lanes).enumerate() {
        let _ = write!(
            out,
            "<g class=\"lane role-{}\" data-lane=\"{i}\"><rect class=\"lane-bg\" x=\"0\" y=\"",
            lane.role.name()
        );
        push_num(out, b.top);
        out.push_str("\" width=\"");
        push_num(out, WIDTH);
        out.push_str("\" height=\"");
        push_num(out, b.height);
        out.push_str("\"/><line class=\"lane-line\" x1=\"");
        push_num(out, PLOT_X0);
        out.push_str("\" x2=\"");
        push_num(out, PLOT_X1);
        out.push_str("\" y1=\"");
        push_num(out, b.mark_y);
        out.push_str("\" y2=\"");
        push_num(out, b.mark_y);
        out.push_str("\"/><title>");
        push_escaped(out, &lane.process);
        out.push_str(" — ");
        out.push_str(lane.role.name());
        out.push_str("</title></g>");
    }
    out.push_str("</g>");
}

fn render_grid(timeline: &Timeline, out: &mut String) {
    out.push_str("<g class=\"grid\">");
    for t in &timeline.ticks {
        out.push_str("<line x1=\"");
        push_num(out, t.x);
        out.push_str("\" x2=\"");
        push_num(out, t.x);
        out.push_str("\" y1=\"8\" y2=\"");
        push_num(out, timeline.axis_y);
        out.push_str("\"/>");
    }
    out.push_str("</g>");
}

fn render_breaks(timeline: &Timeline, id: &str, out: &mut String) {
    out.push_str("<g class=\"breaks\">");
    for (x0, x1, skipped) in timeline.axis.breaks() {
        out.push_str("<rect class=\"break\" x=\"");
        push_num(out, x0 + 4.0);
        out.push_str("\" y=\"8\" width=\"");
        push_num(out, (x1 - x0 - 8.0).max(1.0));
        out.push_str("\" height=\"");
        push_num(out, timeline.axis_y - 8.0);
        let _ = write!(out, "\" fill=\"url(#{id}-hatch)\"><title>");
        let _ = write!(
            out,
            "{} of other activity left out",
            format_offset(skipped).trim_start_matches('+')
        );
        out.push_str("</title></rect>");
    }
    out.push_str("</g>");
}

fn render_bars(incident: &IncidentView, timeline: &Timeline, out: &mut String) {
    out.push_str("<g class=\"bars\">");
    for bar in &incident.handle_bars {
        let (Some(lane), Some(b)) = (incident.lanes.get(bar.lane), timeline.lanes.get(bar.lane))
        else {
            continue;
        };
        let x0 = timeline.axis.x(bar.from_ms.min(bar.to_ms));
        let x1 = timeline.axis.x(bar.to_ms.max(bar.from_ms));
        let _ = write!(out, "<g class=\"bar role-{}\">", lane.role.name());
        out.push_str("<rect x=\"");
        push_num(out, x0);
        out.push_str("\" y=\"");
        push_num(out, b.mark_y - 4.0);
        out.push_str("\" width=\"");
        push_num(out, (x1 - x0).max(1.0));
        out.push_str("\" height=\"8\" rx=\"2\"/>");
        if bar.still_open {
            out.push_str("<path d=\"M");
            push_num(out, x1);
            out.push(' ');
            push_num(out, b.mark_y - 7.0);
            out.push_str(" l9 7 l-9 7 z\"/>");
        }
        out.push_str("<title>handle held by ");
        push_escaped(out, &lane.process);
        let _ = write!(
            out,
            " from {} to {}{}",
            format_offset(bar.from_ms),
            format_offset(bar.to_ms),
            if bar.still_open {
                " (still open at the end of the capture)"
            } else {
                ""
            }
        );
        out.push_str("</title></g>");
    }
    out.push_str("</g>");
}

fn render_marks(incident: &IncidentView, timeline: &Timeline, out: &mut String) {
    out.push_str("<g class=\"marks\">");
    for spot in &timeline.marks {
        let mark = &incident.marks[spot.mark];
        let _ = write!(
            out,
            "<g class=\"mark mark-{}\" data-event-index=\"{}\" tabindex=\"0\"><title>",
            mark.kind.name(),
            mark.event_index
        );
        push_escaped(out, &tooltip_text(mark));
        out.push_str("</title><circle class=\"hit\" cx=\"");
        push_num(out, spot.x);
        out.push_str("\" cy=\"");
        push_num(out, spot.y);
        out.push_str("\" r=\"9\"/>");
        glyph(mark.kind, spot.x, spot.y, out);
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

/// The shape of a mark: circle (open), diamond (Process Create), cross (failed open),
/// tall bar (close), square (exit).
fn glyph(kind: MarkKind, x: f64, y: f64, out: &mut String) {
    let p = |out: &mut String, parts: &[(&str, f64)]| {
        for (text, value) in parts {
            out.push_str(text);
            push_num(out, *value);
        }
    };
    match kind {
        MarkKind::Open => {
            p(
                out,
                &[("<circle class=\"glyph\" cx=\"", x), ("\" cy=\"", y)],
            );
            out.push_str("\" r=\"5.5\"/>");
        }
        MarkKind::ProcessCreate => {
            p(
                out,
                &[
                    ("<path class=\"glyph\" d=\"M", x),
                    (" ", y - 7.0),
                    (" L", x + 7.0),
                    (" ", y),
                    (" L", x),
                    (" ", y + 7.0),
                    (" L", x - 7.0),
                    (" ", y),
                ],
            );
            out.push_str(" Z\"/>");
        }
        MarkKind::FailedOpen => {
            p(
                out,
                &[
                    ("<path class=\"glyph\" d=\"M", x - 4.5),
                    (" ", y - 4.5),
                    (" L", x + 4.5),
                    (" ", y + 4.5),
                    (" M", x + 4.5),
                    (" ", y - 4.5),
                    (" L", x - 4.5),
                    (" ", y + 4.5),
                ],
            );
            out.push_str("\"/>");
        }
        MarkKind::Close => {
            p(
                out,
                &[
                    ("<rect class=\"glyph\" x=\"", x - 2.0),
                    ("\" y=\"", y - 8.0),
                ],
            );
            out.push_str("\" width=\"4\" height=\"16\"/>");
        }
        MarkKind::Exit => {
            p(
                out,
                &[
                    ("<rect class=\"glyph\" x=\"", x - 5.0),
                    ("\" y=\"", y - 5.0),
                ],
            );
            out.push_str("\" width=\"10\" height=\"10\"/>");
        }
    }
}

fn render_axis(timeline: &Timeline, out: &mut String) {
    out.push_str("<g class=\"axis\">");
    let y = timeline.axis_y;
    for s in timeline.axis.segments() {
        out.push_str("<line x1=\"");
        push_num(out, s.x0);
        out.push_str("\" x2=\"");
        push_num(out, s.x1);
        out.push_str("\" y1=\"");
        push_num(out, y);
        out.push_str("\" y2=\"");
        push_num(out, y);
        out.push_str("\"/>");
    }
    for (x0, x1, _) in timeline.axis.breaks() {
        // Two slanted strokes: the axis is broken here.
        for x in [x0 + BREAK_PX / 2.0 - 4.0, x0 + BREAK_PX / 2.0 + 2.0] {
            let x = x.min(x1);
            out.push_str("<line class=\"cut\" x1=\"");
            push_num(out, x - 3.0);
            out.push_str("\" x2=\"");
            push_num(out, x + 3.0);
            out.push_str("\" y1=\"");
            push_num(out, y + 6.0);
            out.push_str("\" y2=\"");
            push_num(out, y - 6.0);
            out.push_str("\"/>");
        }
    }
    for t in &timeline.ticks {
        out.push_str("<line x1=\"");
        push_num(out, t.x);
        out.push_str("\" x2=\"");
        push_num(out, t.x);
        out.push_str("\" y1=\"");
        push_num(out, y);
        out.push_str("\" y2=\"");
        push_num(out, y + 5.0);
        out.push_str("\"/>");
    }
    out.push_str("</g>");
}

fn render_label(label: &Label, out: &mut String) {
    let anchor = match label.anchor {
        Anchor::Start => "start",
        Anchor::Middle => "middle",
        Anchor::End => "end",
    };
    let _ = write!(out, "<text class=\"{}\" x=\"", label.class);
    push_num(out, label.x);
    out.push_str("\" y=\"");
    push_num(out, label.y);
    let _ = write!(out, "\" text-anchor=\"{anchor}\" font-size=\"");
    push_num(out, label.size);
    out.push_str("\">");
    push_escaped(out, &label.text);
    out.push_str("</text>");
}
