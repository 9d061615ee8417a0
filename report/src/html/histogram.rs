//! The activity histogram: events per second over the capture, stacked by event class.

use std::fmt::Write as _;

use pml_analyzer::overview::Histogram;
use pml_parser::render::thousands;

use super::escape::{push_escaped, push_num};

const WIDTH: f64 = 980.0;
const HEIGHT: f64 = 230.0;
const X0: f64 = 70.0;
const X1: f64 = 960.0;
const Y0: f64 = 12.0;
const Y1: f64 = 190.0;
/// Advance of a character of the 11 px monospace labels, rounded up.
const CHAR_PX: f64 = 6.9;

/// A CSS class per ProcMon class name.
fn class_css(name: &str) -> &'static str {
    match name {
        "File System" => "c-file",
        "Registry" => "c-reg",
        "Process" => "c-proc",
        "Network" => "c-net",
        "Profiling" => "c-prof",
        _ => "c-other",
    }
}

/// A round step at least `raw`: 1, 2 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// Writes the histogram as an SVG and its legend.
pub(super) fn render(h: &Histogram, out: &mut String) {
    let buckets = h.classes.iter().map(|c| c.counts.len()).max().unwrap_or(0);
    if buckets == 0 || h.bucket_seconds == 0 {
        out.push_str("<p class=\"none\">No events.</p>");
        return;
    }
    let secs = h.bucket_seconds as f64;
    let totals: Vec<u64> = (0..buckets)
        .map(|b| {
            h.classes
                .iter()
                .map(|c| c.counts.get(b).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let peak = totals.iter().copied().max().unwrap_or(0) as f64 / secs;
    let y_step = nice_step(peak.max(1.0) / 4.0);
    let y_max = (peak / y_step).ceil().max(1.0) * y_step;
    let y = |rate: f64| Y1 - rate / y_max * (Y1 - Y0);
    let bw = (X1 - X0) / buckets as f64;

    let _ = write!(out, "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace\" font-size=\"11\" role=\"img\" aria-label=\"Events per second by class\">");
    // Horizontal grid and rate labels.
    let mut rate = 0.0;
    while rate <= y_max + y_step / 2.0 {
        out.push_str("<line class=\"hgrid\" x1=\"70\" x2=\"960\" y1=\"");
        push_num(out, y(rate));
        out.push_str("\" y2=\"");
        push_num(out, y(rate));
        out.push_str("\"/><text class=\"y-label\" x=\"64\" y=\"");
        push_num(out, y(rate) + 4.0);
        let _ = write!(
            out,
            "\" text-anchor=\"end\">{}</text>",
            format_rate(rate, y_step)
        );
        rate += y_step;
    }
    // Stacked columns, one <g> per bucket with its numbers as the title.
    for (b, total) in totals.iter().enumerate() {
        let x = X0 + b as f64 * bw;
        let _ = write!(
            out,
            "<g class=\"col\"><title>{}–{} s: {} events",
            b as u64 * h.bucket_seconds,
            (b as u64 + 1) * h.bucket_seconds,
            thousands(*total)
        );
        for c in &h.classes {
            let n = c.counts.get(b).copied().unwrap_or(0);
            if n > 0 {
                out.push('\n');
                push_escaped(out, &c.class);
                let _ = write!(out, ": {}", thousands(n));
            }
        }
        out.push_str("</title>");
        let mut acc = 0.0;
        for c in &h.classes {
            let n = c.counts.get(b).copied().unwrap_or(0) as f64 / secs;
            if n <= 0.0 {
                continue;
            }
            let (top, bottom) = (y(acc + n), y(acc));
            acc += n;
            let _ = write!(out, "<rect class=\"{}\" x=\"", class_css(&c.class));
            push_num(out, x + bw * 0.08);
            out.push_str("\" y=\"");
            push_num(out, top);
            out.push_str("\" width=\"");
            push_num(out, (bw * 0.84).max(0.5));
            out.push_str("\" height=\"");
            push_num(out, (bottom - top).max(0.5));
            out.push_str("\"/>");
        }
        out.push_str("</g>");
    }
    // Time labels at a round number of buckets whose labels do not overlap.
    let span = buckets as f64 * secs;
    let widest = (format!("{} s", span as u64).len() as f64) * CHAR_PX + 14.0;
    // Whole seconds only.
    let per_label = nice_step(widest / ((X1 - X0) / span)).max(1.0);
    let mut t = 0.0;
    out.push_str("<line class=\"axis\" x1=\"70\" x2=\"960\" y1=\"190\" y2=\"190\"/>");
    while t <= span + 1e-9 {
        let x = X0 + t / span * (X1 - X0);
        let label_half = format!("{} s", t as u64).len() as f64 * CHAR_PX / 2.0;
        if x + label_half > WIDTH {
            break;
        }
        out.push_str("<text class=\"x-label\" x=\"");
        push_num(out, x);
        let _ = write!(
            out,
            "\" y=\"206\" text-anchor=\"middle\">{} s</text>",
            t as u64
        );
        t += per_label;
    }
    let _ = write!(
        out,
        "<text class=\"axis-caption\" x=\"70\" y=\"{}\">seconds since the first event; bucket = {} s; height = events per second</text></svg>",
        HEIGHT - 6.0,
        h.bucket_seconds
    );
    out.push_str("<ul class=\"legend\">");
    for c in &h.classes {
        let _ = write!(
            out,
            "<li><svg width=\"12\" height=\"12\"><rect class=\"{}\" width=\"12\" height=\"12\"/></svg>",
            class_css(&c.class)
        );
        push_escaped(out, &c.class);
        let total: u64 = c.counts.iter().sum();
        let _ = write!(out, " ({})</li>", thousands(total));
    }
    out.push_str("</ul>");
}

/// A rate label: whole numbers with thousands separators, or two decimals for small steps.
fn format_rate(rate: f64, step: f64) -> String {
    if step >= 1.0 {
        thousands(rate.round() as u64)
    } else {
        format!("{rate:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(11.0), 20.0);
        assert_eq!(nice_step(0.0), 1.0);
    }
}
