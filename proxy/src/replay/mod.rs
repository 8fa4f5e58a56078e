//! `localfront replay`: load-test edge logic with real traffic. CloudFront standard access logs
//! (parse.rs) become requests scheduled at their recorded timing or as fast as possible
//! (schedule.rs), sent open loop to a running localfront (send.rs) with live progress
//! (progress.rs); the answers (tally.rs) and localfront's own `/metrics` before and after
//! (scrape.rs) make the report (report.rs, html.rs). `--generate` writes a synthetic log from a
//! config's behaviors (generate.rs).

mod generate;
mod html;
mod parse;
mod progress;
mod report;
mod schedule;
mod scrape;
mod send;
mod tally;
mod tls;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue, Uri};

use schedule::Speed;

/// `localfront replay`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// CloudFront standard access log files (W3C, tab-separated; gzip-compressed too).
    #[arg(required_unless_present = "generate")]
    logs: Vec<PathBuf>,
    /// The localfront to send the requests to (its HTTP listener).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    target: Uri,
    /// The target's HTTPS listener: requests logged over HTTPS (`cs-protocol` https, wss) go
    /// there (its certificate is not verified, like `curl -k`); without it, every request goes
    /// to --target.
    #[arg(long)]
    https_target: Option<Uri>,
    /// The recorded timing scaled: `1x`, `10x`, `0.5x`; or `max`, as fast as --concurrency allows.
    #[arg(long, default_value = "1x")]
    speed: Speed,
    /// The most requests in flight (default: 64 at max speed, 1024 otherwise).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Stop after this long (`30s`, `5m`).
    #[arg(long, value_parser = schedule::parse_duration)]
    duration: Option<Duration>,
    /// Replay this share of the requests (0–1), chosen at random.
    #[arg(long, value_parser = share)]
    sample: Option<f64>,
    /// The seed of --sample's and --generate's randomness.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The target's admin listener: per-function numbers come from its /metrics.
    #[arg(long)]
    admin: Option<SocketAddr>,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the report as a self-contained HTML page with plots to this file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Send every request with this Host instead of the logged one.
    #[arg(long)]
    host: Option<String>,
    /// How long a request may take before it counts as failed.
    #[arg(long, value_parser = schedule::parse_duration, default_value = "30s")]
    timeout: Duration,
    /// Send `X-Localfront-Viewer-Country: CC` with every request (standard logs record no
    /// country; localfront honours the header where its viewer-location override is enabled).
    #[arg(long, value_name = "CC")]
    viewer_country: Option<String>,
    /// Write a synthetic log of N requests instead of replaying (needs --behaviors).
    #[arg(long, value_name = "N", requires = "behaviors")]
    generate: Option<u64>,
    /// The config whose cache behaviors' path patterns --generate draws paths from.
    #[arg(long, value_name = "CONFIG")]
    behaviors: Option<PathBuf>,
    /// Where --generate writes the log (default: stdout; `.gz` compresses it).
    #[arg(long)]
    output: Option<PathBuf>,
    /// --generate's requests per second.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
}

fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share between 0 and 1")),
    }
}

/// Runs `localfront replay`.
pub fn run(args: Args) -> ExitCode {
    let result = match (args.generate, &args.behaviors) {
        (Some(n), Some(config)) => generate_log(&args, n, config),
        _ => replay(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localfront replay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate_log(args: &Args, requests: u64, config: &std::path::Path) -> Result<(), String> {
    let g = generate::Generate {
        requests,
        config,
        rate: args.rate,
        seed: args.seed,
    };
    match &args.output {
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let gzip = path.extension().is_some_and(|e| e == "gz");
            generate::generate(&g, Box::new(std::io::BufWriter::new(file)), gzip)?;
            eprintln!("wrote {requests} requests to {}", path.display());
            Ok(())
        }
        None => generate::generate(&g, Box::new(std::io::stdout().lock()), false),
    }
}

fn replay(args: Args) -> Result<(), String> {
    if args.target.scheme_str() != Some("http") || args.target.authority().is_none() {
        return Err(format!(
            "--target {}: give the HTTP listener as http://HOST:PORT",
            args.target
        ));
    }
    if let Some(https) = &args.https_target {
        if https.scheme_str() != Some("https") || https.authority().is_none() {
            return Err(format!(
                "--https-target {https}: give the HTTPS listener as https://HOST:PORT"
            ));
        }
    }
    let mut extra_headers = Vec::new();
    if let Some(country) = &args.viewer_country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!(
                "--viewer-country {country}: give a two-letter country code like US"
            ));
        }
        extra_headers.push((
            HeaderName::from_static("x-localfront-viewer-country"),
            HeaderValue::from_str(&country.to_ascii_uppercase()).expect("letters"),
        ));
    }
    if let Some(host) = &args.host {
        HeaderValue::from_str(host).map_err(|_| format!("--host {host:?} is not a valid Host"))?;
    }

    let parsed = parse::read_files(&args.logs)?;
    let log_requests = parsed.records.len() as u64;
    let plan = schedule::plan(
        parsed.records,
        args.speed,
        args.sample,
        args.duration,
        args.seed,
    );
    let mut log_results: BTreeMap<String, u64> = BTreeMap::new();
    let mut protocols: BTreeMap<String, u64> = BTreeMap::new();
    for p in &plan {
        let r = &p.record;
        *log_results
            .entry(r.result_type.clone().unwrap_or_else(|| "-".to_owned()))
            .or_default() += 1;
        *protocols
            .entry(r.protocol.clone().unwrap_or_else(|| "-".to_owned()))
            .or_default() += 1;
    }
    if parsed.bad_lines > 0 {
        eprintln!(
            "localfront replay: {} line(s) are not requests and are skipped (listed in the report)",
            parsed.bad_lines
        );
    }

    let sender = send::Sender {
        target: args.target.clone(),
        https_target: args.https_target.clone(),
        host: args.host.clone(),
        extra_headers,
        concurrency: args.concurrency.unwrap_or(match args.speed {
            Speed::Max => 64,
            Speed::Factor(_) => 1024,
        }),
        timeout: args.timeout,
        speed: args.speed,
        duration: args.duration,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let planned = plan.len() as u64;
    let (tally, metrics, metrics_error, utilization_timeline, sent, duration_s) = runtime
        .block_on(async {
            let before = match args.admin {
                Some(admin) => Some(scrape::scrape(admin).await),
                None => None,
            };
            let sampler = match (&before, args.admin) {
                (Some(Ok(_)), Some(admin)) => Some(Sampler::start(admin).await),
                _ => None,
            };
            let counters = Arc::new(progress::Counters::default());
            let progress = progress::Progress::start(planned, counters.clone());
            let started = Instant::now();
            let tally = sender.run(plan, counters.clone()).await?;
            let duration_s = started.elapsed().as_secs_f64();
            progress.finish();
            let utilization_timeline = match sampler {
                Some(s) => s.stop().await,
                None => Vec::new(),
            };
            let answered: u64 = tally.status_codes.values().sum();
            let (metrics, metrics_error) = match (before, args.admin) {
                (Some(Ok(before)), Some(admin)) => {
                    match settled_scrape(admin, &before, answered).await {
                        Ok(after) => (Some(scrape::report(admin, &before, &after)), None),
                        Err(e) => (None, Some(e)),
                    }
                }
                (Some(Err(e)), _) => (None, Some(e)),
                _ => (None, None),
            };
            let sent = counters.sent.load(std::sync::atomic::Ordering::Relaxed);
            Ok::<_, String>((
                tally,
                metrics,
                metrics_error,
                utilization_timeline,
                sent,
                duration_s,
            ))
        })?;

    let report = report::Report::new(
        report::Run {
            target: match &args.https_target {
                Some(https) => format!("{} and {https}", args.target),
                None => args.target.to_string(),
            },
            speed: args.speed.to_string(),
            log: report::LogSummary {
                files: args.logs.iter().map(|p| p.display().to_string()).collect(),
                requests: log_requests,
                bad_lines: parsed.bad_lines,
                bad_examples: parsed.bad_examples,
                protocols,
            },
            log_results,
            planned,
            sent,
            duration_s,
            metrics,
            metrics_error,
            utilization_timeline,
        },
        tally,
    );
    print!("{}", report.text());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html::render(&report))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The scrape after the replay, once localfront has counted every answered request: it counts
/// a request as its response ends, which may be just after the viewer has read it (bounded wait).
async fn settled_scrape(
    admin: SocketAddr,
    before: &scrape::Scrape,
    answered: u64,
) -> Result<scrape::Scrape, String> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let after = scrape::scrape(admin).await?;
        let counted = scrape::report(admin, before, &after).requests;
        if counted >= answered || Instant::now() >= deadline {
            return Ok(after);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Scrapes `/metrics` every second during the replay, for compute utilization over time.
struct Sampler {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<scrape::UtilizationPoint>>,
}

/// How often the sampler scrapes.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

impl Sampler {
    async fn start(admin: SocketAddr) -> Self {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut points = Vec::new();
            let Ok(mut previous) = scrape::scrape(admin).await else {
                return points;
            };
            loop {
                let done = tokio::select! {
                    _ = tokio::time::sleep(SAMPLE_EVERY) => false,
                    _ = &mut stopped => true,
                };
                if let Ok(current) = scrape::scrape(admin).await {
                    let t = started.elapsed().as_secs_f64();
                    points.extend(scrape::utilization_points(&previous, &current, t));
                    previous = current;
                }
                if done {
                    return points;
                }
            }
        });
        Self { stop, task }
    }

    async fn stop(self) -> Vec<scrape::UtilizationPoint> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}
