//! `--html`: the report as one self-contained page — plots of the request rate, latency and
//! compute utilization over time as inline SVG drawn here, and the report's tables. No external
//! script, style sheet or font: the file opens anywhere, offline. A few lines of inline script
//! measure the drawn plots after layout (`data-rendered-width`), which is what the page's test reads.

use std::fmt::Write as _;

use super::report::Report;

/// The page.
pub fn render(report: &Report) -> String {
    let rate = Series {
        name: "sent req/s".into(),
        color: COLORS[0],
        points: report
            .timeline
            .iter()
            .map(|p| (p.t_s, p.rate_rps))
            .collect(),
    };
    let latency = [
        Series {
            name: "p50 ms".into(),
            color: COLORS[0],
            points: report
                .timeline
                .iter()
                .filter_map(|p| Some((p.t_s, p.p50_ms?)))
                .collect(),
        },
        Series {
            name: "p99 ms".into(),
            color: COLORS[1],
            points: report
                .timeline
                .iter()
                .filter_map(|p| Some((p.t_s, p.p99_ms?)))
                .collect(),
        },
    ];
    let mut functions: Vec<&str> = report
        .utilization_timeline
        .iter()
        .map(|p| p.function.as_str())
        .collect();
    functions.sort_unstable();
    functions.dedup();
    let mut utilization = Vec::new();
    for (i, f) in functions.iter().enumerate() {
        for (q, name) in [(0, "p50"), (1, "p99")] {
            utilization.push(Series {
                name: format!("{f} {name} %"),
                color: COLORS[(2 * i + q) % COLORS.len()],
                points: report
                    .utilization_timeline
                    .iter()
                    .filter(|p| p.function == *f)
                    .filter_map(|p| Some((p.t_s, 100.0 * if q == 0 { p.p50? } else { p.p99? })))
                    .collect(),
            });
        }
    }

    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>localfront replay</h1><p>{} requests from {} file(s) against <code>{}</code> at {}: {} sent, {} answered or failed in {:.1} s ({:.1} req/s).</p>",
        report.log.requests,
        report.log.files.len(),
        esc(&report.target),
        esc(&report.speed),
        report.sent,
        report.completed,
        report.duration_s,
        report.rate_rps
    );
    body.push_str(&chart("rate-plot", "Request rate", "req/s", &[rate], None));
    body.push_str(&chart("latency-plot", "Latency", "ms", &latency, None));
    if utilization.is_empty() {
        body.push_str("<h2>Compute utilization</h2><p id=\"utilization-plot\">No CloudFront Function ran, or no <code>--admin</code> to read it from.</p>");
    } else {
        body.push_str(&chart(
            "utilization-plot",
            "Compute utilization",
            "%",
            &utilization,
            Some(100.0),
        ));
    }
    body.push_str(&tables(report));

    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>localfront replay</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; color: #222; max-width: 960px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
svg.plot {{ display: block; margin: 8px 0 16px; }}
svg text {{ font: 11px system-ui, sans-serif; fill: #444; }}
</style></head>
<body>
{body}
<p id="plots-status"></p>
<script>
// Measures each plot once laid out: a drawn plot has a non-empty box.
const plots = document.querySelectorAll('svg.plot');
let drawn = 0;
plots.forEach(svg => {{
  const box = svg.querySelector('g.data').getBBox();
  svg.setAttribute('data-rendered-width', Math.round(box.width));
  svg.setAttribute('data-rendered-height', Math.round(box.height));
  if (box.width > 0 || box.height > 0) drawn++;
}});
document.getElementById('plots-status').textContent = drawn + ' of ' + plots.length + ' plots drawn';
</script>
</body></html>
"#
    )
}

const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// One line of a plot.
struct Series {
    name: String,
    color: &'static str,
    points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 40.0;

/// A line plot with axes, ticks and a legend; `y_max` fixes the top of the y axis.
fn chart(id: &str, title: &str, unit: &str, series: &[Series], y_max: Option<f64>) -> String {
    let all = series.iter().flat_map(|s| s.points.iter());
    let x_max = nice(all.clone().map(|p| p.0).fold(1.0, f64::max));
    let y_max = y_max.unwrap_or_else(|| nice(all.map(|p| p.1).fold(0.0, f64::max)));
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |v: f64| LEFT + v / x_max * w;
    let y = |v: f64| TOP + h - (v / y_max).min(1.0) * h;

    let mut svg = format!(
        r#"<h2>{title}</h2><svg class="plot" id="{id}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">"#
    );
    for i in 0..=4 {
        let v = y_max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + w,
            y(v),
            y(v),
            LEFT - 6.0,
            y(v) + 4.0,
            label(v)
        );
        let t = x_max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}s</text>"#,
            x(t),
            TOP + h + 16.0,
            label(t)
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{:.1}" stroke="#888"/><line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/><text x="12" y="{:.1}" transform="rotate(-90 12 {:.1})" text-anchor="middle">{unit}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">time since the start</text>"##,
        TOP + h,
        LEFT + w,
        TOP + h,
        TOP + h,
        TOP + h / 2.0,
        TOP + h / 2.0,
        LEFT + w / 2.0,
        HEIGHT - 4.0
    );
    svg.push_str(r#"<g class="data">"#);
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="series" data-name="{}" data-points="{}" fill="none" stroke="{}" stroke-width="1.5" points="{}"/>"#,
            esc(&s.name),
            s.points.len(),
            s.color,
            points.join(" ")
        );
        // Markers, so a series of one point is visible too.
        if s.points.len() <= 120 {
            for &(px, py) in &s.points {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"#,
                    x(px),
                    y(py),
                    s.color
                );
            }
        }
    }
    svg.push_str("</g>");
    for (i, s) in series.iter().enumerate() {
        let ly = TOP + 4.0 + 14.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="10" height="3" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            LEFT + w - 150.0,
            ly - 3.0,
            s.color,
            LEFT + w - 135.0,
            ly + 1.0,
            esc(&s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report's numbers as tables.
fn tables(report: &Report) -> String {
    let mut out = String::new();
    let row = |out: &mut String, cells: &[String]| {
        out.push_str("<tr>");
        for c in cells {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    };
    let pct = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0));

    out.push_str("<h2>Status</h2><table id=\"status\"><tr><th>status</th><th>responses</th></tr>");
    for (code, n) in &report.status_codes {
        row(&mut out, &[code.clone(), n.to_string()]);
    }
    for (reason, n) in &report.failures {
        row(&mut out, &[format!("failed: {reason}"), n.to_string()]);
    }
    out.push_str("</table>");

    let l = &report.latency_ms;
    let _ = write!(
        out,
        "<h2>Latency</h2><p id=\"latency\">p50 {:.2} ms · p90 {:.2} ms · p99 {:.2} ms · p99.9 {:.2} ms · max {:.2} ms</p>",
        l.p50, l.p90, l.p99, l.p999, l.max
    );

    out.push_str("<h2>Cache results</h2><table id=\"cache\"><tr><th>result type</th><th>log</th><th>local</th></tr>");
    let mut kinds: Vec<&String> = report
        .cache
        .log
        .keys()
        .chain(report.cache.local.keys())
        .collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        row(
            &mut out,
            &[
                k.clone(),
                report.cache.log.get(k).copied().unwrap_or(0).to_string(),
                report.cache.local.get(k).copied().unwrap_or(0).to_string(),
            ],
        );
    }
    row(
        &mut out,
        &[
            "hit ratio".to_owned(),
            pct(report.cache.log_hit_ratio),
            pct(report.cache.local_hit_ratio),
        ],
    );
    out.push_str("</table>");

    if let Some(m) = &report.metrics {
        out.push_str("<h2>Edge functions</h2><table id=\"functions\"><tr><th>function</th><th>kind</th><th>event</th><th>invocations</th><th>p50</th><th>p99</th><th>errors</th><th>throttles</th><th>utilization p50 / p99</th></tr>");
        let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3} ms"));
        for f in &m.functions {
            let utilization = f.compute_utilization.as_ref().map_or("-".to_owned(), |u| {
                format!("{} / {}", pct(u.p50), pct(u.p99))
            });
            for e in &f.events {
                row(
                    &mut out,
                    &[
                        f.function.clone(),
                        f.kind.to_owned(),
                        e.event.clone(),
                        e.invocations.to_string(),
                        ms(e.p50_ms),
                        ms(e.p99_ms),
                        f.errors.to_string(),
                        f.throttles.to_string(),
                        utilization.clone(),
                    ],
                );
            }
        }
        out.push_str("</table>");
    }
    if report.log.bad_lines > 0 {
        let _ = write!(
            out,
            "<h2>Bad lines</h2><p>{} lines were not requests:</p><ul>",
            report.log.bad_lines
        );
        for b in &report.log.bad_examples {
            let _ = write!(
                out,
                "<li>{}:{}: {}</li>",
                esc(&b.file),
                b.line,
                esc(&b.reason)
            );
        }
        out.push_str("</ul>");
    }
    out
}

/// A round number at or above `v`, for an axis' end.
fn nice(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&n| n >= v)
        .unwrap_or(10.0 * magnitude)
}

/// A tick label: no more digits than it needs.
fn label(v: f64) -> String {
    if v == v.round() {
        format!("{v:.0}")
    } else if (v * 10.0) == (v * 10.0).round() {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Text escaped for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(3.2), 5.0);
        assert_eq!(nice(10.0), 10.0);
        assert_eq!(nice(101.0), 200.0);
        assert_eq!(label(0.25), "0.25");
        assert_eq!(label(2.5), "2.5");
        assert_eq!(label(37.5), "37.5");
        assert_eq!(label(40.0), "40");
    }
}
