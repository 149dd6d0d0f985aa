//! A small SVG line-chart writer: axes with "nice" ticks (dates on a time axis), grid lines,
//! one polyline per series (broken where a value is missing or not finite), dashed series and
//! a legend. No dependencies; the output is a standalone SVG 1.1 document.

use std::fmt::Write;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    /// `(x, y)`; points with a non-finite `y` break the line.
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
    /// Index into [`PALETTE`] (default: the series' position), so related series can share a
    /// colour.
    pub colour: Option<usize>,
}

impl Series {
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self { name: name.to_string(), points, dashed: false, colour: None }
    }

    pub fn colour(mut self, k: usize) -> Self {
        self.colour = Some(k);
        self
    }

    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// How the y axis labels its ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YFormat {
    /// `0.25` → `25%`.
    Percent,
    Number,
}

#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    pub y_label: String,
    /// x values are unix seconds (ticks at dates) rather than plain numbers.
    pub x_time: bool,
    pub y_format: YFormat,
    /// Keep 0 in the y range.
    pub y_zero: bool,
    pub series: Vec<Series>,
    /// Vertical markers `(x, label)`: a thin grey line across the plot, the label at its top
    /// (regime changes, events).
    pub marks: Vec<(f64, String)>,
}

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 56.0;

/// Line colours, in order (Tableau 10).
pub const PALETTE: [&str; 10] =
    ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A "nice" step (1, 2 or 5 times a power of ten) giving at most about `max_ticks` ticks over
/// `span`.
pub fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * p
}

/// The range widened to multiples of a nice step, and the ticks inside it.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (-1.0, 1.0)
    } else {
        (lo - lo.abs() * 0.1, hi + hi.abs() * 0.1)
    };
    let step = nice_step(hi - lo, max_ticks);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    let count = ((end - start) / step).round() as usize;
    let ticks =
        (0..=count).map(|k| start + k as f64 * step).map(|x| if x.abs() < step * 1e-9 { 0.0 } else { x }).collect();
    (start, end, ticks)
}

/// `(year, month, day)` of a day number since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` (and ` HH:MM` when not midnight) of unix seconds.
pub fn format_time(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    if s == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
    }
}

/// Ticks on a time axis: steps of whole minutes, hours or days.
fn time_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    const STEPS: [f64; 17] = [
        60.0,
        300.0,
        900.0,
        1800.0,
        3600.0,
        7200.0,
        21_600.0,
        43_200.0,
        86_400.0,
        172_800.0,
        604_800.0,
        1_209_600.0,
        2_592_000.0,
        7_776_000.0,
        15_552_000.0,
        31_536_000.0,
        63_072_000.0,
    ];
    let span = (hi - lo).max(1.0);
    let step = STEPS.iter().copied().find(|s| span / s <= max_ticks as f64).unwrap_or(span / max_ticks as f64);
    let mut t = (lo / step).ceil() * step;
    let mut out = vec![];
    while t <= hi + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

fn format_y(v: f64, f: YFormat, step: f64) -> String {
    let decimals = |scale: f64| {
        let s = step * scale;
        if s >= 1.0 {
            0
        } else {
            (-s.log10().floor()) as usize
        }
    };
    match f {
        YFormat::Percent => format!("{:.*}%", decimals(100.0), v * 100.0),
        YFormat::Number => {
            if v.abs() >= 1e6 && step >= 1e5 {
                format!("{:.*}M", decimals(1e-6), v / 1e6)
            } else if v.abs() >= 1e3 && step >= 100.0 {
                format!("{:.*}k", decimals(1e-3), v / 1e3)
            } else {
                format!("{:.*}", decimals(1.0), v)
            }
        }
    }
}

impl Chart {
    pub fn new(title: &str, y_label: &str, y_format: YFormat) -> Self {
        Self {
            title: title.to_string(),
            y_label: y_label.to_string(),
            x_time: true,
            y_format,
            y_zero: false,
            series: vec![],
            marks: vec![],
        }
    }

    /// The SVG document.
    pub fn render(&self) -> String {
        let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let pts: Vec<(f64, f64)> = self.series.iter().flat_map(|s| s.points.iter().filter(finite).copied()).collect();
        let (mut x0, mut x1) =
            pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (mut y0, mut y1) =
            pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
        if pts.is_empty() {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if self.y_zero {
            y0 = y0.min(0.0);
            y1 = y1.max(0.0);
        }
        let (ylo, yhi, yticks) = nice_ticks(y0, y1, 6);
        let ystep = if yticks.len() > 1 { yticks[1] - yticks[0] } else { 1.0 };
        let (pw, ph) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
        let sy = |y: f64| TOP + ph - (y - ylo) / (yhi - ylo) * ph;

        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="24" font-size="16" font-weight="bold">{}</text>"#,
            LEFT,
            escape(&self.title)
        );
        // y grid and labels
        for y in &yticks {
            let py = sy(*y);
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                LEFT + pw,
                LEFT - 6.0,
                py + 4.0,
                escape(&format_y(*y, self.y_format, ystep))
            );
        }
        // x ticks
        let xticks = if self.x_time {
            time_ticks(x0, x1, 6)
        } else {
            nice_ticks(x0, x1, 6).2.into_iter().filter(|x| *x >= x0 && *x <= x1).collect()
        };
        for x in &xticks {
            let px = sx(*x);
            let label = if self.x_time { format_time(*x as i64) } else { format_y(*x, YFormat::Number, 1.0) };
            let _ = writeln!(
                s,
                r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#f0f0f0"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                TOP + ph,
                TOP + ph + 18.0,
                escape(&label)
            );
        }
        // axes
        let _ =
            writeln!(s, r##"<path d="M{LEFT},{TOP} V{:.1} H{:.1}" fill="none" stroke="#333"/>"##, TOP + ph, LEFT + pw);
        let _ = writeln!(
            s,
            r#"<text transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + ph / 2.0,
            escape(&self.y_label)
        );
        // markers
        for (x, label) in self.marks.iter().filter(|(x, _)| x.is_finite() && *x >= x0 && *x <= x1) {
            let px = sx(*x);
            let _ = writeln!(
                s,
                r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#555">{}</text>"##,
                TOP + ph,
                px + 3.0,
                TOP + 10.0,
                escape(label)
            );
        }
        // series
        for (k, series) in self.series.iter().enumerate() {
            let colour = PALETTE[series.colour.unwrap_or(k) % PALETTE.len()];
            let dash = if series.dashed { r#" stroke-dasharray="6 4""# } else { "" };
            let mut segment: Vec<String> = vec![];
            let flush = |seg: &mut Vec<String>, s: &mut String| {
                if seg.len() >= 2 {
                    let _ = writeln!(
                        s,
                        r#"<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash} points="{}"/>"#,
                        seg.join(" ")
                    );
                } else if seg.len() == 1 {
                    let (cx, cy) = seg[0].split_once(',').unwrap_or(("0", "0"));
                    let _ = writeln!(s, r#"<circle cx="{cx}" cy="{cy}" r="2" fill="{colour}"/>"#);
                }
                seg.clear();
            };
            for p in &series.points {
                if p.0.is_finite() && p.1.is_finite() {
                    segment.push(format!("{:.1},{:.1}", sx(p.0), sy(p.1)));
                } else {
                    flush(&mut segment, &mut s);
                }
            }
            flush(&mut segment, &mut s);
            // legend entry
            let ly = TOP + 10.0 + 20.0 * k as f64;
            let lx = LEFT + pw + 16.0;
            let _ = writeln!(
                s,
                r#"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"#,
                lx + 24.0,
                lx + 30.0,
                ly + 4.0,
                escape(&series.name)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}
