//! Live progress while a replay runs: a progress bar with the rate and ETA when stdout is a
//! terminal (indicatif), plain lines every few seconds when it is not (CI logs, pipes).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counters the senders bump and the progress display reads.
#[derive(Default)]
pub struct Counters {
    /// Requests sent.
    pub sent: AtomicU64,
    /// Requests answered or failed.
    pub completed: AtomicU64,
    /// Responses by status class: index 1 for 1xx … 5 for 5xx; index 0 counts failures.
    pub classes: [AtomicU64; 6],
}

impl Counters {
    /// Counts a finished request.
    pub fn finished(&self, status: Option<u16>) {
        let class = status.map_or(0, |s| usize::from(s / 100).clamp(1, 5));
        self.classes[class].fetch_add(1, Ordering::Relaxed);
        self.completed.fetch_add(1, Ordering::Relaxed);
    }

    fn mix(&self) -> String {
        let mut parts: Vec<String> = (1..=5)
            .filter_map(|c| {
                let n = self.classes[c].load(Ordering::Relaxed);
                (n > 0).then(|| format!("{c}xx {n}"))
            })
            .collect();
        let failed = self.classes[0].load(Ordering::Relaxed);
        if failed > 0 {
            parts.push(format!("failed {failed}"));
        }
        parts.join(" · ")
    }
}

/// The running display; `finish` stops it.
pub struct Progress {
    task: tokio::task::JoinHandle<()>,
    bar: Option<ProgressBar>,
}

/// How often plain lines are printed.
const LINE_EVERY: Duration = Duration::from_secs(2);

impl Progress {
    /// Starts showing the progress of `total` requests.
    pub fn start(total: u64, counters: Arc<Counters>) -> Self {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {rate} ETA {eta} {msg}",
                )
                .expect("a valid template")
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} req/s", state.per_sec());
                    },
                ),
            );
            bar
        });
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let tick = if shown.is_some() {
                Duration::from_millis(100)
            } else {
                LINE_EVERY
            };
            let mut interval = tokio::time::interval(tick);
            interval.tick().await;
            loop {
                interval.tick().await;
                let done = counters.completed.load(Ordering::Relaxed);
                match &shown {
                    Some(bar) => {
                        bar.set_position(done);
                        bar.set_message(counters.mix());
                    }
                    None => println!("{}", line(total, &counters, started.elapsed())),
                }
            }
        });
        Self { task, bar }
    }

    /// Stops the display.
    pub fn finish(self) {
        self.task.abort();
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A plain progress line: `replay: 120/1000 answered (130 sent), 60.1 req/s, 2xx 118 · 5xx 2, ETA 15s`.
fn line(total: u64, counters: &Counters, elapsed: Duration) -> String {
    let done = counters.completed.load(Ordering::Relaxed);
    let sent = counters.sent.load(Ordering::Relaxed);
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", total.saturating_sub(done) as f64 / rate)
    } else {
        "?".to_owned()
    };
    format!(
        "replay: {done}/{total} answered ({sent} sent), {rate:.1} req/s, {}, ETA {eta}",
        counters.mix()
    )
}
