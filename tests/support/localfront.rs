//! The real `localfront` binary, started on free loopback ports with a config the test composes.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::origin::TestOrigin;

/// A running localfront.
pub struct Localfront {
    child: Child,
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub admin: SocketAddr,
    pub dir: tempfile::TempDir,
    client: reqwest::Client,
}

/// Composes one distribution's TOML (the `[server]` section is the harness's).
#[derive(Default)]
pub struct Builder {
    distribution: String,
    origins: String,
    default_behavior: String,
    behaviors: String,
    tail: String,
    https: bool,
    full: Option<String>,
    server: String,
    args: Vec<String>,
    admin: Option<SocketAddr>,
}

impl Localfront {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A request to `path` on the HTTP listener.
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.request(
            method.parse().unwrap(),
            format!("http://{}{path}", self.http),
        )
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request("GET", path).send().await.unwrap()
    }

    /// A request to `path` on the HTTPS listener.
    pub fn request_https(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let https = self.https.expect("started without .https()");
        self.client.request(
            method.parse().unwrap(),
            format!("https://localhost:{}{path}", https.port()),
        )
    }

    /// `GET` on the admin listener, as JSON.
    pub async fn admin_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(format!("http://{}{path}", self.admin))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A request to the admin listener.
    pub fn admin_request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.request(
            method.parse().unwrap(),
            format!("http://{}{path}", self.admin),
        )
    }

    /// The config file the process was started with (rewrite it, then reload).
    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("localfront.toml")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// File descriptors the process holds open.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Sends `signal` (e.g. `HUP`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// The `/metrics` exposition, parsed by a Prometheus text parser.
    pub async fn metrics(&self) -> prometheus_parse::Scrape {
        let text = self
            .admin_request("GET", "/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
            .expect("the exposition parses")
    }

    /// `/metrics` once `ready` holds for it (a request's metrics are recorded just after its response
    /// is sent, so a client can see the response first); panics after 10 s.
    pub async fn metrics_when(
        &self,
        ready: impl Fn(&prometheus_parse::Scrape) -> bool,
    ) -> prometheus_parse::Scrape {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.metrics().await;
            if ready(&m) {
                return m;
            }
            assert!(Instant::now() < deadline, "metrics never became ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the process printed so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("localfront.log")).unwrap_or_default()
    }
}

impl Drop for Localfront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that talks to localfront as a viewer: no proxy from the environment, no redirects
/// followed, the dev certificate accepted.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(true)
        .resolve("localhost", "127.0.0.1:0".parse().unwrap())
        .build()
        .unwrap()
}

impl Builder {
    /// Distribution-level keys (after `id`), e.g. `aliases = ["a.test"]`.
    pub fn distribution(mut self, toml: &str) -> Self {
        writeln!(self.distribution, "{toml}").unwrap();
        self
    }

    /// A custom origin on a test origin's port.
    pub fn origin(self, id: &str, origin: &TestOrigin) -> Self {
        self.origin_with(id, origin, "")
    }

    /// A custom origin with extra keys (`origin_path = "/v1"`, …).
    pub fn origin_with(mut self, id: &str, origin: &TestOrigin, extra: &str) -> Self {
        write!(
            self.origins,
            "[[distributions.origins]]\nid = \"{id}\"\ndomain_name = \"127.0.0.1\"\nhttp_port = {}\n{extra}\n",
            origin.port()
        )
        .unwrap();
        self
    }

    /// Any origin, written out (`s3 = { … }`, `echo = true`, an unreachable port, …).
    pub fn raw_origin(mut self, id: &str, body: &str) -> Self {
        write!(
            self.origins,
            "[[distributions.origins]]\nid = \"{id}\"\n{body}\n"
        )
        .unwrap();
        self
    }

    /// The default cache behavior, targeting `target`, with extra keys.
    pub fn default_behavior(mut self, target: &str, extra: &str) -> Self {
        self.default_behavior = format!(
            "[distributions.default_cache_behavior]\ntarget_origin_id = \"{target}\"\n{extra}\n"
        );
        self
    }

    /// An ordered cache behavior.
    pub fn behavior(mut self, pattern: &str, target: &str, extra: &str) -> Self {
        write!(
            self.behaviors,
            "[[distributions.cache_behaviors]]\npath_pattern = \"{pattern}\"\ntarget_origin_id = \"{target}\"\n{extra}\n"
        )
        .unwrap();
        self
    }

    /// Tables written after the behaviors (`[[distributions.origin_groups]]`, custom error responses).
    pub fn tail(mut self, toml: &str) -> Self {
        writeln!(self.tail, "{toml}").unwrap();
        self
    }

    /// An origin group `id` of the origins `primary` then `secondary`, failing over on `statuses`
    /// (`"500, 503"`).
    pub fn origin_group(self, id: &str, primary: &str, secondary: &str, statuses: &str) -> Self {
        self.tail(&format!(
            "[[distributions.origin_groups]]\nid = \"{id}\"\nmembers = [\"{primary}\", \"{secondary}\"]\nfailover_status_codes = [{statuses}]\n"
        ))
    }

    /// An extra `localfront serve` argument (`--no-cache`).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// Extra `[server]` keys.
    pub fn server(mut self, toml: &str) -> Self {
        writeln!(self.server, "{toml}").unwrap();
        self
    }

    /// The admin listener's address (default: a free port), for configs that name it
    /// (`[[issuers]]` URLs).
    pub fn admin_addr(mut self, addr: SocketAddr) -> Self {
        self.admin = Some(addr);
        self
    }

    /// Also listen for HTTPS (with the generated dev certificate).
    pub fn https(mut self) -> Self {
        self.https = true;
        self
    }

    /// Use these `[[distributions]]` as written instead of the composed one.
    pub fn distributions_toml(mut self, toml: &str) -> Self {
        self.full = Some(toml.to_owned());
        self
    }

    /// Writes the config and starts the real binary; waits until it answers.
    pub async fn start(self) -> Localfront {
        let dir = tempfile::tempdir().unwrap();
        let http = free_addr();
        let admin = self.admin.unwrap_or_else(free_addr);
        let https = self.https.then(free_addr);
        let mut toml = format!(
            "[server]\nhttp_listen = \"{http}\"\nadmin_listen = \"{admin}\"\nthreads = 2\ngrace_period = 0\n"
        );
        if let Some(https) = https {
            writeln!(toml, "https_listen = \"{https}\"").unwrap();
        }
        toml.push_str(&self.server);
        match self.full {
            Some(full) => toml.push_str(&full),
            None => write!(
                toml,
                "\n[[distributions]]\nid = \"ETEST\"\ndomain_name = \"dtest.cloudfront.net\"\n{}\n{}\n{}\n{}\n{}",
                self.distribution, self.origins, self.default_behavior, self.behaviors, self.tail
            )
            .unwrap(),
        }
        let config = dir.path().join("localfront.toml");
        std::fs::write(&config, &toml).unwrap();
        let child = spawn(&config, dir.path(), &self.args);
        let mut lf = Localfront {
            child,
            http,
            https,
            admin,
            dir,
            client: client(),
        };
        wait_ready(&mut lf, &toml);
        lf
    }
}

fn spawn(config: &Path, dir: &Path, args: &[String]) -> Child {
    let log = std::fs::File::create(dir.join("localfront.log")).unwrap();
    Command::new(binary())
        .args(["serve", "--config"])
        .arg(config)
        .args(args)
        .current_dir(dir)
        // `LOCALFRONT_TEST_LOG=debug` shows pingora's view of a failing test in `Localfront::log`.
        .env(
            "RUST_LOG",
            std::env::var("LOCALFRONT_TEST_LOG").unwrap_or_else(|_| "info".to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("cannot start localfront")
}

/// The binary cargo built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_localfront"))
}

fn wait_ready(lf: &mut Localfront, toml: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = [Some(lf.http), Some(lf.admin), lf.https]
            .into_iter()
            .flatten()
            .all(|a| TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_ok());
        if ready {
            return;
        }
        if let Ok(Some(status)) = lf.child.try_wait() {
            panic!(
                "localfront exited with {status}:\n{}\nconfig:\n{toml}",
                lf.log()
            );
        }
        if Instant::now() > deadline {
            panic!("localfront did not start in 30 s:\n{}", lf.log());
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// A loopback address nothing listens on yet, never handed out before in this test process.
///
/// The port is bound and released, so the kernel may give it to a later `bind(0)` again; tests of
/// one binary run in parallel, and pingora listens with `SO_REUSEPORT`, so two localfronts given
/// the same port would both bind it and the kernel would split the viewers' connections between
/// them (a test then reads another test's answers). Remembering the ports handed out rules that
/// out; test binaries run one after another.
pub fn free_addr() -> SocketAddr {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        if GIVEN.lock().unwrap().insert(addr.port()) {
            return addr;
        }
    }
}

/// The value of `metric` summed over the samples whose labels include `labels`: a counter or gauge
/// value, or a histogram's observation count.
pub fn metric(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map_or(0.0, |b| b.count),
            prometheus_parse::Value::Summary(_) => 0.0,
        })
        .sum()
}

/// Waits (bounded) until `file` holds at least `lines` non-header lines; returns its lines.
pub fn wait_for_lines(file: &Path, lines: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let all: Vec<String> = text.lines().map(str::to_owned).collect();
        if all.iter().filter(|l| !l.starts_with('#')).count() >= lines {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "{} has {} lines, expected {lines}:\n{text}",
            file.display(),
            all.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
