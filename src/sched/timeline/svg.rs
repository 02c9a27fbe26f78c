//! A [`Timeline`] as an SVG Gantt chart: a lane per task, a bar per interval coloured by
//! why it stopped, a legend, and a time axis in µs, ms or s, whichever suits the span.
//!
//! Written by hand: a handful of `<rect>`, `<line>` and `<text>` elements, which no SVG
//! crate would make shorter.

use std::fmt::Write;
use std::time::Duration;

use super::{Lane, StopReason, Timeline};
use crate::task::WaitReason;

/// How [`Timeline::to_svg`] draws: the width of the time axis and an optional title.
///
/// # Examples
/// ```
/// use yieldpoint::sched::timeline::SvgOptions;
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::builder().record_timeline(true).build();
/// rt.spawn(|| ());
/// rt.run();
/// let svg = rt.timeline().to_svg(&SvgOptions::new().width(400).title("one task"));
/// assert!(svg.contains("one task"));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SvgOptions {
    width: u32,
    title: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            width: 900,
            title: None,
        }
    }
}

impl SvgOptions {
    /// The defaults: a 900 px time axis, no title.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::SvgOptions;
    ///
    /// let _ = SvgOptions::new(); // the same as SvgOptions::default()
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The width of the time axis, in pixels (the labels and margins come on top); at
    /// least 100. A chart narrower than its legend (about 700 px) is widened to it.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::SvgOptions;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.block_on(|| ());
    /// let narrow = rt.timeline().to_svg(&SvgOptions::new().width(800));
    /// let wide = rt.timeline().to_svg(&SvgOptions::new().width(1200));
    /// // The root element's width: the axis, plus the same labels and margins.
    /// let width = |svg: &str| -> u32 { svg.split('"').nth(3).unwrap().parse().unwrap() };
    /// assert_eq!(width(&wide) - width(&narrow), 400);
    /// ```
    pub fn width(mut self, pixels: u32) -> Self {
        self.width = pixels.max(100);
        self
    }

    /// A title above the chart.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::SvgOptions;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.block_on(|| ());
    /// assert!(rt.timeline().to_svg(&SvgOptions::new().title("a <b>")).contains("a &lt;b&gt;"));
    /// ```
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// The stop reasons in the legend, each with its colour (Okabe and Ito's colour-blind-safe
/// palette).
const LEGEND: [(StopReason, &str); 5] = [
    (StopReason::Yielded, "#0072b2"),
    (StopReason::Parked(WaitReason::Sleep), "#e69f00"),
    (StopReason::Finished, "#009e73"),
    (StopReason::Panicked, "#d55e00"),
    (StopReason::Cancelled, "#999999"),
];

fn colour(stop: StopReason) -> &'static str {
    LEGEND
        .iter()
        .find(|(reason, _)| reason.kind() == stop.kind())
        .map_or("#000000", |(_, colour)| colour)
}

// Geometry, in pixels.
const FONT: f64 = 12.0;
/// Width of one character of the 12 px label font, generously (labels must not reach the
/// bars).
const CHAR: f64 = 7.5;
const MARGIN: f64 = 12.0;
const ROW: f64 = 22.0;
const BAR: f64 = 16.0;
const HEADING: f64 = 20.0;
const AXIS: f64 = 44.0;

/// A unit for the time axis, chosen so the span reads as a few hundred units at most.
struct Unit {
    name: &'static str,
    per_second: f64,
}

impl Unit {
    fn for_span(span: Duration) -> Unit {
        let (name, per_second) = if span <= Duration::from_millis(2) {
            ("µs", 1e6)
        } else if span <= Duration::from_secs(2) {
            ("ms", 1e3)
        } else {
            ("s", 1.0)
        };
        Unit { name, per_second }
    }

    fn of(&self, d: Duration) -> f64 {
        d.as_secs_f64() * self.per_second
    }
}

/// A round tick step (1, 2 or 5 times a power of ten) giving at most about 10 ticks over
/// `span` units.
fn tick_step(span: f64) -> f64 {
    let raw = (span / 10.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// `text` with XML's special characters escaped, for text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A number of axis units with no more decimals than needed.
fn number(value: f64) -> String {
    let rounded = format!("{value:.3}");
    rounded
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

impl Timeline {
    /// The timeline as an SVG Gantt chart (a complete `<svg>` document).
    ///
    /// One lane per task, labelled "id name", in order of first run; on a work queue the
    /// lanes are grouped under "worker N" headings (a started task never changes worker).
    /// Each interval is a bar coloured by its [`StopReason`], with a legend on top; hovering
    /// a bar shows its task, times and reason. The time axis counts from the scheduler's
    /// start in µs, ms or s, chosen from the span of the intervals, and shows that span:
    /// from a round value at or before the first interval to the end of the last. An empty
    /// timeline draws a note instead (saying to build with `record_timeline(true)` if the
    /// scheduler did not record).
    ///
    /// Every interval is an element of about 170 bytes, and a bar is at least a pixel
    /// wide: the chart suits runs of up to some ten thousand switches. For longer ones,
    /// open the Chrome trace (`to_chrome_trace`) in Perfetto, which zooms.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::SvgOptions;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.spawn_with(Builder::new().name("countdown"), || yieldpoint::yield_now()).unwrap();
    /// rt.run();
    /// let svg = rt.timeline().to_svg(&SvgOptions::new().title("one task"));
    /// assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    /// assert!(svg.contains("countdown") && svg.contains("yielded") && svg.contains("µs"));
    /// ```
    pub fn to_svg(&self, options: &SvgOptions) -> String {
        let lanes = self.lanes();
        if lanes.is_empty() {
            return self.empty_svg(options);
        }
        let grouped = self.workers > 1;
        let label_width = lanes
            .iter()
            .map(|lane| lane.label.chars().count())
            .chain(grouped.then_some("worker 00".len()))
            .max()
            .unwrap_or(0) as f64
            * CHAR
            + 2.0 * MARGIN;
        let plot = f64::from(options.width);
        let title_height = if options.title.is_some() { 24.0 } else { 0.0 };
        let legend_y = MARGIN + title_height;
        let mut key = String::new();
        let legend_end = legend(&mut key, label_width, legend_y);
        // A narrow chart widens to its legend.
        let width = (label_width + plot + 2.0 * MARGIN).max(legend_end + MARGIN);
        let lanes_top = legend_y + 28.0;
        let groups = if grouped {
            let mut workers: Vec<usize> = lanes.iter().map(|lane| lane.worker).collect();
            workers.dedup();
            workers.len()
        } else {
            0
        };
        let lanes_height = lanes.len() as f64 * ROW + groups as f64 * HEADING;
        let height = lanes_top + lanes_height + AXIS + MARGIN;

        let first = self
            .intervals
            .iter()
            .map(|i| i.start)
            .min()
            .unwrap_or_default();
        let scale = Scale::new(first, self.end(), label_width, plot);
        let x = |d: Duration| scale.x(d);

        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="{FONT}">"#
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        if let Some(title) = &options.title {
            let _ = writeln!(
                svg,
                r#"<text x="{MARGIN}" y="{:.1}" font-size="15" font-weight="bold">{}</text>"#,
                MARGIN + 14.0,
                escape(title)
            );
        }
        svg.push_str(&key);

        let mut y = lanes_top;
        let mut worker = None;
        for (row, lane) in lanes.iter().enumerate() {
            if grouped && worker != Some(lane.worker) {
                worker = Some(lane.worker);
                let _ = writeln!(
                    svg,
                    r#"<text x="{MARGIN}" y="{:.1}" font-weight="bold">worker {}</text>"#,
                    y + 14.0,
                    lane.worker
                );
                let _ = writeln!(
                    svg,
                    r##"<line x1="{MARGIN}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#888888"/>"##,
                    width - MARGIN
                );
                y += HEADING;
            }
            self.lane(&mut svg, lane, row, y, width, &x);
            y += ROW;
        }
        scale.axis(&mut svg, y);
        svg.push_str("</svg>\n");
        svg
    }

    /// One task's lane: a zebra stripe, its label, a bar per interval.
    fn lane(
        &self,
        svg: &mut String,
        lane: &Lane<'_>,
        row: usize,
        y: f64,
        width: f64,
        x: &dyn Fn(Duration) -> f64,
    ) {
        if row % 2 == 0 {
            let _ = writeln!(
                svg,
                r##"<rect x="{MARGIN}" y="{y:.1}" width="{:.1}" height="{ROW}" fill="#f2f2f2"/>"##,
                width - 2.0 * MARGIN
            );
        }
        // The lane is a group: its label, then its bars.
        let _ = writeln!(
            svg,
            r#"<g data-task="{}"><text x="{:.1}" y="{:.1}">{}</text>"#,
            lane.task,
            MARGIN + 4.0,
            y + 15.0,
            escape(&lane.label)
        );
        let bar_y = y + (ROW - BAR) / 2.0;
        for interval in &lane.intervals {
            let left = x(interval.start);
            // At least a pixel: a switch of a few µs in a chart of many ms stays visible.
            let bar = (x(interval.end) - left).max(1.0);
            let _ = writeln!(
                svg,
                r#"<rect x="{left:.2}" y="{bar_y:.1}" width="{bar:.2}" height="{BAR}" fill="{}"><title>{}: {:?} to {:?} ({:?}), {}</title></rect>"#,
                colour(interval.stop),
                escape(&lane.label),
                interval.start,
                interval.end,
                interval.duration(),
                interval.stop
            );
        }
        svg.push_str("</g>\n");
    }

    fn empty_svg(&self, options: &SvgOptions) -> String {
        let note = if self.recorded {
            "no task has run yet".to_string()
        } else {
            format!(
                "nothing recorded: build the {} with record_timeline(true)",
                self.scheduler
            )
        };
        let width = f64::from(options.width);
        let title = options
            .title
            .as_deref()
            .map(|t| format!("{}: ", escape(t)))
            .unwrap_or_default();
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"40\" font-family=\"sans-serif\" font-size=\"{FONT}\">\n\
             <text x=\"{MARGIN}\" y=\"24\">{title}{note}</text>\n</svg>\n"
        )
    }
}

/// The legend: what a bar's colour means, then a swatch and a word per stop reason, from
/// `left` on (or after the caption, if that is longer); where it ends.
fn legend(svg: &mut String, left: f64, y: f64) -> f64 {
    const CAPTION: &str = "colour = how the task stopped:";
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="{:.1}">{CAPTION}</text>"#,
        y + 11.5
    );
    let mut x = left.max(MARGIN + CAPTION.len() as f64 * CHAR * 0.9 + 12.0);
    for (reason, colour) in LEGEND {
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.1}" y="{y:.1}" width="14" height="14" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 19.0,
            y + 11.5,
            reason.kind()
        );
        x += 19.0 + reason.kind().len() as f64 * CHAR + 18.0;
    }
    x
}

/// Where times go on the chart: the axis runs from the round tick at or before the first
/// interval's start to the last one's end.
struct Scale {
    unit: Unit,
    /// The axis's first and last value, and its tick step, in `unit`s.
    from: f64,
    to: f64,
    step: f64,
    /// The axis's left end and length, in pixels.
    left: f64,
    plot: f64,
}

impl Scale {
    fn new(first: Duration, end: Duration, left: f64, plot: f64) -> Scale {
        let end = end.max(first + Duration::from_nanos(1));
        let unit = Unit::for_span(end - first);
        let step = tick_step(unit.of(end - first));
        let from = (unit.of(first) / step).floor() * step;
        Scale {
            to: unit.of(end),
            unit,
            from,
            step,
            left,
            plot,
        }
    }

    fn x(&self, d: Duration) -> f64 {
        self.left + (self.unit.of(d) - self.from) / (self.to - self.from) * self.plot
    }

    /// The time axis at height `y`: a line, ticks at round values, their labels, and the
    /// unit.
    fn axis(&self, svg: &mut String, y: f64) {
        let y = y + 4.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="black"/>"#,
            self.left,
            self.left + self.plot
        );
        let ticks = ((self.to - self.from) / self.step + 1e-9).floor() as u32;
        for tick in 0..=ticks {
            let value = self.from + f64::from(tick) * self.step;
            let x = self.left + (value - self.from) / (self.to - self.from) * self.plot;
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}" stroke="black"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                y + 5.0,
                y + 18.0,
                number(value)
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time since the scheduler started ({})</text>"#,
            self.left + self.plot / 2.0,
            y + 36.0,
            self.unit.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_steps_are_round_and_about_ten_per_span() {
        assert_eq!(tick_step(100.0), 10.0);
        assert_eq!(tick_step(37.0), 5.0);
        assert_eq!(tick_step(1.5), 0.2);
        assert_eq!(tick_step(1000.0), 100.0);
        for span in [0.3, 7.0, 42.0, 999.0, 1234.0] {
            let ticks = span / tick_step(span);
            assert!((4.0..=10.0).contains(&ticks), "{span}: {ticks} ticks");
        }
    }

    #[test]
    fn units_follow_the_span() {
        assert_eq!(Unit::for_span(Duration::from_micros(300)).name, "µs");
        assert_eq!(Unit::for_span(Duration::from_millis(40)).name, "ms");
        assert_eq!(Unit::for_span(Duration::from_secs(5)).name, "s");
    }

    /// The axis starts at the round tick before the first interval, ends at the last
    /// interval's end, and puts both on the plot's ends.
    #[test]
    fn the_axis_spans_the_intervals() {
        let scale = Scale::new(
            Duration::from_micros(175),
            Duration::from_micros(206),
            100.0,
            500.0,
        );
        assert_eq!(
            (scale.unit.name, scale.step, scale.from),
            ("µs", 5.0, 175.0)
        );
        assert!((scale.x(Duration::from_micros(175)) - 100.0).abs() < 1e-9);
        assert!((scale.x(Duration::from_micros(206)) - 600.0).abs() < 1e-9);
        let mut svg = String::new();
        scale.axis(&mut svg, 0.0);
        assert_eq!(
            svg.matches("<line").count(),
            1 + 7,
            "the axis and ticks 175..=205"
        );
    }

    #[test]
    fn escape_and_number() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(0.30000000000000004), "0.3");
    }
}
