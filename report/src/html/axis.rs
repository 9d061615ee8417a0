//! The time axis of a timeline: milliseconds relative to the open, linear where events are,
//! broken where nothing happens for a long time, so that 2 ms and 2 s stay readable together.
//!
//! The event times are cut into clusters at every gap that is more than [`BREAK_RATIO`] times
//! longer than the rest of its cluster; each cluster is a segment with its own ticks, and a
//! narrow break band stands for the empty time between two segments. A segment is linear,
//! unless its times spread over decades (retries with back-off: 2, 5, 11, ... 3,000 ms) and a
//! symmetric log scale keeps its closest times further apart; then its ticks are 1-2-5 steps
//! of each decade.

/// A gap becomes a break when it is this many times longer than the rest of its cluster.
const BREAK_RATIO: f64 = 10.0;
/// At most this many breaks.
const MAX_BREAKS: usize = 4;
/// Width of a break band, in pixels.
pub const BREAK_PX: f64 = 28.0;
/// Narrowest segment, in pixels.
const MIN_SEGMENT_PX: f64 = 96.0;
/// Wanted distance between the two closest times of a segment, in pixels.
const MIN_GAP_PX: f64 = 16.0;
/// Space between two tick labels, in pixels.
const TICK_GAP_PX: f64 = 12.0;
/// At most this many ticks per segment.
const MAX_TICKS: usize = 40;

/// How a segment maps time to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Proportional.
    Linear,
    /// `sign(t) * ln(1 + |t| / c)`: linear within `c` ms of the open, logarithmic beyond.
    SymLog(f64),
}

impl Scale {
    fn u(self, t: f64) -> f64 {
        match self {
            Scale::Linear => t,
            Scale::SymLog(c) => t.signum() * (t.abs() / c).ln_1p(),
        }
    }

    fn t(self, u: f64) -> f64 {
        match self {
            Scale::Linear => u,
            Scale::SymLog(c) => u.signum() * c * u.abs().exp_m1(),
        }
    }
}

/// A piece of the axis: times `t0..=t1` drawn at `x0..=x1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First time of the domain (ms).
    pub t0: f64,
    /// Last time of the domain (ms).
    pub t1: f64,
    /// Pixel of `t0`.
    pub x0: f64,
    /// Pixel of `t1`.
    pub x1: f64,
    /// Linear or symmetric log.
    pub scale: Scale,
}

impl Segment {
    fn x(&self, t: f64) -> f64 {
        let (u0, u1) = (self.scale.u(self.t0), self.scale.u(self.t1));
        if u1 > u0 {
            self.x0 + (self.scale.u(t) - u0) / (u1 - u0) * (self.x1 - self.x0)
        } else {
            (self.x0 + self.x1) / 2.0
        }
    }
}

/// A tick of the axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Time (ms).
    pub t: f64,
    /// Pixel.
    pub x: f64,
    /// Label, e.g. `40 ms` or `1.8 s`.
    pub label: String,
    /// Lower ranks are placed first when labels compete for room (decades before 5s and 2s).
    pub rank: u8,
}

/// The piecewise-linear time axis.
#[derive(Debug, Clone)]
pub struct Axis {
    segments: Vec<Segment>,
}

impl Axis {
    /// Lays out an axis for `times` (ms; non-finite values are ignored; 0 is always included)
    /// over the pixels `x0..x1`.
    pub fn new(times: &[f64], x0: f64, x1: f64) -> Axis {
        let mut sorted: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
        sorted.push(0.0);
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        let mut clusters = vec![sorted];
        let mut breaks = 0;
        while breaks < MAX_BREAKS {
            let Some((at, split)) = clusters
                .iter()
                .enumerate()
                .filter_map(|(i, c)| widest_breakable_gap(c).map(|s| (i, s)))
                .max_by(|a, b| gap_of(&clusters[a.0], a.1).total_cmp(&gap_of(&clusters[b.0], b.1)))
            else {
                break;
            };
            let right = clusters[at].split_off(split);
            clusters.insert(at + 1, right);
            breaks += 1;
        }
        Axis {
            segments: place(&clusters, x0, x1),
        }
    }

    /// The linear segments, left to right.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The break bands between segments as pixel ranges with the time they leave out.
    pub fn breaks(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.segments
            .windows(2)
            .map(|w| (w[0].x1, w[1].x0, w[1].t0 - w[0].t1))
    }

    /// The pixel of time `t`: linear inside a segment, interpolated across a break band,
    /// clamped to the axis outside.
    pub fn x(&self, t: f64) -> f64 {
        let (Some(first), Some(last)) = (self.segments.first(), self.segments.last()) else {
            return 0.0;
        };
        if t.is_nan() || t <= first.t0 {
            return first.x0;
        }
        for (i, s) in self.segments.iter().enumerate() {
            if t <= s.t1 {
                return s.x(t);
            }
            if let Some(next) = self.segments.get(i + 1) {
                if t < next.t0 {
                    let f = (t - s.t1) / (next.t0 - s.t1);
                    return s.x1 + f * (next.x0 - s.x1);
                }
            }
        }
        last.x1
    }

    /// Ticks whose labels, `label_width(text)` pixels wide and centred on the tick, do not
    /// overlap one another.
    pub fn ticks(&self, label_width: impl Fn(&str) -> f64) -> Vec<Tick> {
        let mut ticks: Vec<Tick> = self
            .segments
            .iter()
            .flat_map(|s| segment_ticks(s, &label_width))
            .collect();
        ticks.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.x.total_cmp(&b.x)));
        let mut kept: Vec<(Tick, f64, f64)> = Vec::with_capacity(ticks.len());
        for t in ticks {
            let w = label_width(&t.label);
            let (left, right) = (t.x - w / 2.0, t.x + w / 2.0);
            let gap = TICK_GAP_PX / 2.0;
            if kept
                .iter()
                .all(|(_, l, r)| right + gap <= *l || left >= r + gap)
            {
                kept.push((t, left, right));
            }
        }
        let mut kept: Vec<Tick> = kept.into_iter().map(|(t, _, _)| t).collect();
        kept.sort_by(|a, b| a.x.total_cmp(&b.x));
        kept
    }
}

fn gap_of(cluster: &[f64], split: usize) -> f64 {
    cluster[split] - cluster[split - 1]
}

/// Where to cut `cluster` (the index of the first time right of the cut), if its widest gap
/// is a break.
fn widest_breakable_gap(cluster: &[f64]) -> Option<usize> {
    let (first, last) = (*cluster.first()?, *cluster.last()?);
    let split =
        (1..cluster.len()).max_by(|&a, &b| gap_of(cluster, a).total_cmp(&gap_of(cluster, b)))?;
    let gap = gap_of(cluster, split);
    let rest = (last - first) - gap;
    (rest > 0.0 && gap > BREAK_RATIO * rest).then_some(split)
}

/// Gives each cluster a padded time domain and a share of the pixels: first what it needs to
/// show its closest two times [`MIN_GAP_PX`] apart (at least [`MIN_SEGMENT_PX`]), scaled down
/// when the needs do not fit, then the rest in proportion to its number of times.
fn place(clusters: &[Vec<f64>], x0: f64, x1: f64) -> Vec<Segment> {
    let n = clusters.len() as f64;
    let usable = (x1 - x0 - BREAK_PX * (n - 1.0)).max(n);
    let min_px = MIN_SEGMENT_PX.min(usable / n);
    let needs: Vec<f64> = clusters
        .iter()
        .map(|c| {
            let span = c[c.len() - 1] - c[0];
            let closest = c
                .windows(2)
                .map(|w| w[1] - w[0])
                .fold(f64::INFINITY, f64::min);
            if span > 0.0 && closest > 0.0 {
                (span * 1.12 / closest * MIN_GAP_PX).max(min_px)
            } else {
                min_px
            }
        })
        .collect();
    let total_need: f64 = needs.iter().sum();
    let widths: Vec<f64> = if total_need <= usable {
        let count: f64 = clusters.iter().map(|c| c.len() as f64).sum();
        let spare = usable - total_need;
        needs
            .iter()
            .zip(clusters)
            .map(|(need, c)| need + spare * c.len() as f64 / count)
            .collect()
    } else {
        let extra: f64 = needs.iter().map(|need| need - min_px).sum();
        let spare = usable - min_px * n;
        needs
            .iter()
            .map(|need| min_px + spare * (need - min_px) / extra)
            .collect()
    };
    let mut x = x0;
    clusters
        .iter()
        .zip(widths)
        .map(|(c, w)| {
            let scale = choose_scale(c);
            let (a, b) = (scale.u(c[0]), scale.u(c[c.len() - 1]));
            let pad = (b - a) * 0.06;
            let s = Segment {
                t0: scale.t(a - pad),
                t1: scale.t(b + pad),
                x0: x,
                x1: x + w,
                scale,
            };
            x += w + BREAK_PX;
            s
        })
        .collect()
}

/// The smallest distance between neighbouring times under `scale`, as a fraction of the
/// whole range (0 for fewer than two times).
fn spread(times: &[f64], scale: Scale) -> f64 {
    let (Some(&a), Some(&b)) = (times.first(), times.last()) else {
        return 0.0;
    };
    let range = scale.u(b) - scale.u(a);
    if range.is_nan() || range <= 0.0 {
        return 0.0;
    }
    times
        .windows(2)
        .map(|w| (scale.u(w[1]) - scale.u(w[0])) / range)
        .fold(f64::INFINITY, f64::min)
}

/// Linear, unless a symmetric log scale (with the best knee among powers of ten) keeps the
/// closest times at least twice as far apart.
fn choose_scale(times: &[f64]) -> Scale {
    let linear = spread(times, Scale::Linear);
    let best = (-2..=4)
        .map(|e| Scale::SymLog(10f64.powi(e)))
        .map(|s| (s, spread(times, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        Some((s, v)) if v > 2.0 * linear => s,
        _ => Scale::Linear,
    }
}

/// Ticks at a round step whose labels fit the segment's width.
fn segment_ticks(s: &Segment, label_width: &impl Fn(&str) -> f64) -> Vec<Tick> {
    let seconds = s.t0.abs().max(s.t1.abs()) >= 1000.0;
    let span = s.t1 - s.t0;
    if span <= 0.0 {
        let label = format_point(s.t0, seconds);
        return vec![Tick {
            t: s.t0,
            x: s.x(s.t0),
            label,
            rank: 0,
        }];
    }
    if let Scale::SymLog(_) = s.scale {
        return log_ticks(s);
    }
    let px_per_ms = (s.x1 - s.x0) / span;
    let mut exponent = (span / MAX_TICKS as f64).log10().floor() as i32;
    for _ in 0..40 {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(exponent);
            if span / step > MAX_TICKS as f64 {
                continue;
            }
            let first = (s.t0 / step - 1e-9).ceil() as i64;
            let last = (s.t1 / step + 1e-9).floor() as i64;
            let ticks: Vec<Tick> = (first..=last)
                .map(|i| {
                    let t = i as f64 * step;
                    Tick {
                        t,
                        x: s.x(t),
                        label: format_tick(t, step, seconds),
                        rank: 0,
                    }
                })
                .collect();
            let widest = ticks
                .iter()
                .map(|t| label_width(&t.label))
                .fold(0.0, f64::max);
            if step * px_per_ms >= widest + TICK_GAP_PX {
                return ticks;
            }
        }
        exponent += 1;
    }
    Vec::new()
}

/// Ticks of a symmetric-log segment: 0 and 1, 2 and 5 times each power of ten (0.01 ms to
/// 10,000 s) on both sides; 0 ranked first, then the decades.
fn log_ticks(s: &Segment) -> Vec<Tick> {
    let mut ticks = Vec::new();
    if s.t0 <= 0.0 && s.t1 >= 0.0 {
        ticks.push(Tick {
            t: 0.0,
            x: s.x(0.0),
            label: "0".to_string(),
            rank: 0,
        });
    }
    for e in -2..=7 {
        for (m, rank) in [(1.0, 1), (5.0, 2), (2.0, 3)] {
            for sign in [1.0, -1.0] {
                let t = sign * m * 10f64.powi(e);
                if t >= s.t0 && t <= s.t1 {
                    ticks.push(Tick {
                        t,
                        x: s.x(t),
                        label: format_point(t, t.abs() >= 1000.0),
                        rank,
                    });
                }
            }
        }
    }
    ticks
}

/// A tick label: the value in ms or s with as many decimals as the step needs.
fn format_tick(t: f64, step_ms: f64, seconds: bool) -> String {
    if t.abs() < step_ms * 1e-6 {
        return "0".to_string();
    }
    let (value, step, unit) = if seconds {
        (t / 1000.0, step_ms / 1000.0, "s")
    } else {
        (t, step_ms, "ms")
    };
    let decimals = (-step.log10() - 1e-9).ceil().clamp(0.0, 6.0) as usize;
    format!("{value:.decimals$} {unit}")
}

/// The label of a lone time: seconds with up to three decimals or ms with up to two.
fn format_point(t: f64, seconds: bool) -> String {
    if t == 0.0 {
        return "0".to_string();
    }
    let text = if seconds {
        format!("{:.3}", t / 1000.0)
    } else {
        format!("{t:.2}")
    };
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    format!("{trimmed} {}", if seconds { "s" } else { "ms" })
}

/// A time offset for a mark label: `+7.0 ms`, `+40 ms`, `+1.802 s`, `+12.50 s`, `-3.2 ms`.
pub fn format_offset(ms: f64) -> String {
    let sign = if ms < 0.0 { "-" } else { "+" };
    let a = ms.abs();
    if !a.is_finite() {
        "?".to_string()
    } else if a == 0.0 {
        "0 ms".to_string()
    } else if a < 10.0 {
        format!("{sign}{a:.1} ms")
    } else if a < 1000.0 {
        format!("{sign}{a:.0} ms")
    } else if a < 10_000.0 {
        format!("{sign}{:.3} s", a / 1000.0)
    } else if a < 100_000.0 {
        format!("{sign}{:.2} s", a / 1000.0)
    } else {
        format!("{sign}{:.0} s", a / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(s: &str) -> f64 {
        s.chars().count() as f64 * 7.0
    }

    #[test]
    fn milliseconds_and_seconds_get_a_break() {
        let axis = Axis::new(&[0.0, 7.0, 40.0, 41.0, 1800.0], 0.0, 700.0);
        assert_eq!(axis.segments().len(), 2);
        let (a, b) = (axis.x(40.0), axis.x(41.0));
        assert!(b - a > 8.0, "40 and 41 ms are {} px apart", b - a);
        assert!(axis.x(1800.0) > axis.x(41.0) + BREAK_PX);
    }

    #[test]
    fn back_off_retries_get_a_log_scale() {
        let mut times = vec![-3.0, 0.0, 0.6];
        let mut t = 2.0;
        for _ in 0..11 {
            times.push(t);
            t = t * 2.0 + 1.0;
        }
        let axis = Axis::new(&times, 0.0, 700.0);
        assert_eq!(axis.segments().len(), 1);
        assert!(matches!(axis.segments()[0].scale, Scale::SymLog(_)));
        let xs: Vec<f64> = times.iter().map(|&t| axis.x(t)).collect();
        let closest = xs
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        assert!(closest >= 12.0, "closest marks {closest} px apart: {xs:?}");
        let labels: Vec<String> = axis.ticks(width).into_iter().map(|t| t.label).collect();
        for want in ["0", "1 ms", "10 ms", "100 ms", "1 s"] {
            assert!(labels.iter().any(|l| l == want), "{want} in {labels:?}");
        }
        // The seed race's first cluster reads better linearly.
        let seed = Axis::new(&[0.0, 7.0, 40.0, 41.0, 44.0], 0.0, 600.0);
        assert_eq!(seed.segments()[0].scale, Scale::Linear);
    }

    #[test]
    fn evenly_spread_times_stay_linear() {
        let axis = Axis::new(&[0.0, 500.0, 1000.0, 2000.0], 0.0, 700.0);
        assert_eq!(axis.segments().len(), 1);
        let ticks = axis.ticks(width);
        assert!(ticks.len() >= 3);
        assert!(ticks.iter().any(|t| t.label == "1.0 s" || t.label == "1 s"));
    }

    #[test]
    fn ticks_do_not_overlap_and_are_monotonic() {
        for times in [
            vec![0.0, 2.0],
            vec![0.0, 0.013, 2000.0],
            vec![-5.0, 0.0, 7.0, 40.0, 41.0, 1800.0, 60_000.0, 3_600_000.0],
        ] {
            let axis = Axis::new(&times, 100.0, 800.0);
            let ticks = axis.ticks(width);
            assert!(!ticks.is_empty());
            for w in ticks.windows(2) {
                assert!(w[0].x + width(&w[0].label) / 2.0 <= w[1].x - width(&w[1].label) / 2.0);
            }
            let xs: Vec<f64> = times.iter().map(|&t| axis.x(t)).collect();
            assert!(xs.windows(2).all(|w| w[0] < w[1]), "{times:?} -> {xs:?}");
        }
    }

    #[test]
    fn offsets_read_well() {
        assert_eq!(format_offset(7.0), "+7.0 ms");
        assert_eq!(format_offset(40.4), "+40 ms");
        assert_eq!(format_offset(1802.0), "+1.802 s");
        assert_eq!(format_offset(12_500.0), "+12.50 s");
        assert_eq!(format_offset(-3.24), "-3.2 ms");
    }
}
