//! `localfront`: CloudFront on a developer's laptop. The CLI ([`run`]: parse args, load config,
//! start the server) and the modules it serves with; `main.rs` is the binary around it, and
//! [`bench_api`] is what the micro-benchmarks in `benches/` call.

mod access_log;
mod admin;
mod admin_client;
mod api_keys;
#[doc(hidden)]
pub mod bench_api;
mod cache;
mod context;
mod demo;
mod edge_functions;
mod edge_lambdas;
mod function_log;
mod function_threads;
mod in_process;
mod invoke;
mod lambda_functions;
mod lifecycle;
mod live;
mod metrics;
mod recent;
mod reload;
mod replay;
mod server;
mod sign;
mod signed_policy;
mod snapshot;
mod stages;
mod test_function;
mod tls;
mod token;
mod trace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use localfront_config::Config;

/// CloudFront on a developer's laptop.
#[derive(Parser)]
#[command(name = "localfront", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the distributions of a config (default: ./localfront.toml, else the embedded demo).
    Serve {
        /// The config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Bypass the cache: every request goes to the origin.
        #[arg(long)]
        no_cache: bool,
        /// Reload when the config, or a function, store or component it references, changes
        /// (always on for the embedded demo).
        #[arg(long)]
        watch: bool,
    },
    /// Invalidate cached paths in a running localfront (through its admin API).
    Invalidate {
        /// The distribution id.
        #[arg(long)]
        distribution: String,
        /// The admin listener (default: the config's `admin_listen`, else 127.0.0.1:9180).
        #[arg(long)]
        admin: Option<std::net::SocketAddr>,
        /// The config whose `admin_listen` to use (default: ./localfront.toml if present).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Paths: `/index.html`, or a prefix ending in `*` like `/images/*`.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Read or change a KeyValueStore of a running localfront (through its admin API).
    Kvs {
        #[command(subcommand)]
        action: KvsAction,
        /// The store's name.
        #[arg(long, global = true)]
        store: Option<String>,
        /// The admin listener (default: the config's `admin_listen`, else 127.0.0.1:9180).
        #[arg(long, global = true)]
        admin: Option<std::net::SocketAddr>,
        /// The config whose `admin_listen` to use (default: ./localfront.toml if present).
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Run a CloudFront Function on one event, printing what `aws cloudfront test-function` prints.
    TestFunction {
        /// The function's `.js` file.
        #[arg(long)]
        function: PathBuf,
        /// The event JSON (the `--event-object` of the AWS CLI).
        #[arg(long)]
        event: PathBuf,
        /// A KeyValueStore in AWS's import format, for `cf.kvs()`.
        #[arg(long)]
        kvs: Option<PathBuf>,
        /// `development` or `live`.
        #[arg(long, default_value = "development")]
        stage: String,
        /// `cloudfront-js-2.0` or `cloudfront-js-1.0`.
        #[arg(long, default_value = "cloudfront-js-2.0")]
        runtime: String,
    },
    /// Run one event through a Lambda@Edge handler (`--handler`) or a Lambda function of the
    /// config (`--function`), like `sam local invoke`.
    Invoke {
        /// The Lambda@Edge handler component (`.wasm`).
        #[arg(
            long,
            conflicts_with = "function",
            required_unless_present = "function"
        )]
        handler: Option<PathBuf>,
        /// A `[[lambda_functions]]` entry of the config.
        #[arg(long)]
        function: Option<String>,
        /// The config declaring `--function` (default: ./localfront.toml).
        #[arg(long, short, requires = "function")]
        config: Option<PathBuf>,
        /// The event JSON: `{"Records":[{"cf":{…}}]}` for a handler, any JSON for a function.
        #[arg(long)]
        event: PathBuf,
        /// The memory cap in MB of a handler (a function has its config's `memory_mb`).
        #[arg(long, default_value_t = 128, conflicts_with = "function")]
        memory_mb: u64,
    },
    /// Promote a staging distribution: copy its configuration over its primary's in a running
    /// localfront (through its admin API and the hot-reload path).
    Promote {
        /// The staging distribution's id.
        staging: String,
        /// The admin listener (default: the config's `admin_listen`, else 127.0.0.1:9180).
        #[arg(long)]
        admin: Option<std::net::SocketAddr>,
        /// The config whose `admin_listen` to use (default: ./localfront.toml if present).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Reload the config of a running localfront (through its admin API).
    Reload {
        /// The admin listener (default: the config's `admin_listen`, else 127.0.0.1:9180).
        #[arg(long)]
        admin: Option<std::net::SocketAddr>,
        /// The config whose `admin_listen` to use (default: ./localfront.toml if present).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the function logs of a running localfront (CloudFront Functions, Lambda@Edge).
    Logs {
        /// Keep printing new lines as they are written.
        #[arg(long, short)]
        follow: bool,
        /// Only this function's lines.
        #[arg(long)]
        function: Option<String>,
        /// The admin listener (default: the config's `admin_listen`, else 127.0.0.1:9180).
        #[arg(long)]
        admin: Option<std::net::SocketAddr>,
        /// The config whose `admin_listen` to use (default: ./localfront.toml if present).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Replay CloudFront standard access logs against a running localfront and report per
    /// function; or, with --generate, write a synthetic log.
    Replay(Box<replay::Args>),
    /// Print a signed URL (canned policy, or custom with --resource/--not-before/--ip-address/--policy).
    SignUrl {
        /// The URL as viewers will request it, e.g. `http://localhost:8080/private/a.jpg`.
        url: String,
        #[command(flatten)]
        signing: sign::SigningArgs,
    },
    /// Print signed cookies (`CloudFront-Expires` or `-Policy`, `-Signature`, `-Key-Pair-Id`), one per line.
    SignCookies {
        /// The URL for a canned policy (or the resource of a custom one).
        #[arg(long)]
        url: Option<String>,
        #[command(flatten)]
        signing: sign::SigningArgs,
    },
    /// Create or list the API keys of a config (`[[api_keys]]`, for routes with
    /// `api_key_required`).
    ApiKeys {
        #[command(subcommand)]
        action: ApiKeysAction,
        /// The config file (default: ./localfront.toml).
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Print a token signed by a local issuer of the config (`[[issuers]]`), with Cognito's claims.
    Token {
        /// The config declaring the issuer (default: ./localfront.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[command(flatten)]
        token: token::TokenArgs,
    },
    /// Check config files: prints OK, or every error with file:line:col.
    Validate {
        /// Config files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ApiKeysAction {
    /// Adds a key to the config file (as a `[[api_keys]]` table) and prints its value.
    Create {
        /// The key's name.
        #[arg(long)]
        name: String,
        /// A usage plan to add the key to (repeatable).
        #[arg(long = "plan")]
        plans: Vec<String>,
        /// The key's value (20–128 letters and digits); default: 40 random ones.
        #[arg(long)]
        value: Option<String>,
        /// Add the key disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Prints each key: name, enabled or disabled, usage plans, value (first 4 characters).
    List {
        /// Print the whole values.
        #[arg(long)]
        include_values: bool,
    },
}

#[derive(Subcommand)]
enum KvsAction {
    /// Every key and value.
    List,
    /// One key's value.
    Get { key: String },
    /// Sets a key (seen by the next function run).
    Put { key: String, value: String },
    /// Removes a key.
    Delete { key: String },
}

/// The `localfront` command line: runs the command `std::env::args` names.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,pingora_core=warn,pingora_proxy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Validate { files } => validate(&files),
        Command::ApiKeys { action, config } => {
            let file = config.unwrap_or_else(|| PathBuf::from("localfront.toml"));
            match action {
                ApiKeysAction::Create {
                    name,
                    plans,
                    value,
                    disabled,
                } => {
                    let key = api_keys::NewKey {
                        name: &name,
                        value,
                        plans: &plans,
                        disabled,
                    };
                    let created = api_keys::create(&file, key);
                    if created.is_ok() {
                        eprintln!(
                            "added api key `{name}` to {} (a running localfront applies it on reload)",
                            file.display()
                        );
                    }
                    report("api-keys create", created)
                }
                ApiKeysAction::List { include_values } => {
                    match api_keys::list(&file, include_values) {
                        Ok(list) => {
                            print!("{list}");
                            ExitCode::SUCCESS
                        }
                        Err(e) => {
                            eprintln!("localfront api-keys list: {e}");
                            ExitCode::FAILURE
                        }
                    }
                }
            }
        }
        Command::Replay(args) => replay::run(*args),
        Command::Invalidate {
            distribution,
            admin,
            config,
            paths,
        } => {
            let body = serde_json::json!({ "paths": paths }).to_string();
            let path = format!("/distributions/{distribution}/invalidations");
            report(
                "invalidate",
                admin_client::call(admin_addr(admin, config), "POST", &path, Some(body)),
            )
        }
        Command::Kvs {
            action,
            store,
            admin,
            config,
        } => {
            let Some(store) = store else {
                eprintln!("localfront kvs: --store NAME is required");
                return ExitCode::FAILURE;
            };
            let admin = admin_addr(admin, config);
            let key_path = |k: &str| format!("/kvs/{store}/keys/{}", admin_client::encode_key(k));
            let answer = match action {
                KvsAction::List => admin_client::call(admin, "GET", &format!("/kvs/{store}"), None),
                KvsAction::Get { key } => admin_client::call(admin, "GET", &key_path(&key), None),
                KvsAction::Put { key, value } => {
                    admin_client::call(admin, "PUT", &key_path(&key), Some(value))
                }
                KvsAction::Delete { key } => {
                    admin_client::call(admin, "DELETE", &key_path(&key), None)
                }
            };
            report("kvs", answer)
        }
        Command::Promote {
            staging,
            admin,
            config,
        } => report(
            "promote",
            admin_client::call(
                admin_addr(admin, config),
                "POST",
                &format!("/distributions/{staging}/promote"),
                None,
            ),
        ),
        Command::Reload { admin, config } => report(
            "reload",
            admin_client::call(admin_addr(admin, config), "POST", "/reload", None),
        ),
        Command::Logs {
            follow,
            function,
            admin,
            config,
        } => {
            let mut path = format!("/logs?follow={}", u8::from(follow));
            if let Some(f) = function {
                path.push_str(&format!("&function={}", admin_client::encode_key(&f)));
            }
            match admin_client::stream(admin_addr(admin, config), &path) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("localfront logs: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Token { config, token } => {
            let config = config.unwrap_or_else(|| PathBuf::from("localfront.toml"));
            match token::run(&config, &token) {
                Ok(jwt) => {
                    println!("{jwt}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("localfront token: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Invoke {
            handler,
            function,
            config,
            event,
            memory_mb,
        } => {
            let cache_dir = PathBuf::from(".localfront/wasm-cache");
            let outcome = match (handler, function) {
                (Some(handler), _) => invoke::run(&handler, &event, memory_mb, &cache_dir),
                (None, Some(function)) => invoke::run_function(
                    &config.unwrap_or_else(|| PathBuf::from("localfront.toml")),
                    &function,
                    &event,
                ),
                // clap requires one of them.
                (None, None) => Err("--handler or --function is required".into()),
            };
            match outcome {
                Ok((report, ok)) => {
                    print!("{report}");
                    if ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("localfront invoke: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::TestFunction {
            function,
            event,
            kvs,
            stage,
            runtime,
        } => report(
            "test-function",
            test_function::run(&function, &event, kvs.as_deref(), &stage, &runtime),
        ),
        Command::SignUrl { url, signing } => report("sign-url", sign::sign_url(&url, &signing)),
        Command::SignCookies { url, signing } => {
            report("sign-cookies", sign::sign_cookies(url.as_deref(), &signing))
        }
        Command::Serve {
            config,
            no_cache,
            watch,
        } => serve(config, server::Options { no_cache, watch }),
    }
}

/// The admin listener to talk to: `--admin`, else the config's `admin_listen`, else the default.
fn admin_addr(
    admin: Option<std::net::SocketAddr>,
    config: Option<PathBuf>,
) -> std::net::SocketAddr {
    admin
        .or_else(|| {
            let file = config.unwrap_or_else(|| PathBuf::from("localfront.toml"));
            localfront_config::toml::load(&file)
                .ok()?
                .server
                .admin_listen
        })
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 9180)))
}

/// Prints an admin API answer, or the error.
fn report(command: &str, answer: Result<String, String>) -> ExitCode {
    match answer {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("localfront {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match localfront_config::toml::load_reporting(file) {
            // The functions' code is checked as CloudFront checks it when publishing.
            Ok((config, notices)) => match edge_functions::EdgeFunctions::load(&config) {
                Ok(_) => {
                    // OpenAPI import findings (spec/api-gateway.md §9): parts ignored or left out.
                    for notice in notices {
                        eprintln!("{notice}");
                    }
                    println!("{}: OK", file.display());
                }
                Err(errors) => {
                    ok = false;
                    eprintln!("{}", errors.join("\n"));
                }
            },
            Err(errors) => {
                ok = false;
                eprintln!("{errors}");
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn serve(config: Option<PathBuf>, mut options: server::Options) -> ExitCode {
    let default_file = Path::new("localfront.toml");
    let source = match config {
        Some(path) => Ok(reload::ConfigSource {
            path,
            state_dir: None,
        }),
        None if default_file.is_file() => Ok(reload::ConfigSource {
            path: default_file.to_owned(),
            state_dir: None,
        }),
        None => {
            // The demo is for trying things: edits to its unpacked config apply live.
            options.watch = true;
            reload::demo_source(Path::new(".localfront"))
        }
    };
    let loaded = source.and_then(|source| source.load().map(|config| (source, config)));
    let (source, config) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    print_urls(&config, &source, options.watch);
    let built = match server::build(source, config, options) {
        Ok(built) => built,
        Err(e) => {
            eprintln!("localfront: {e}");
            return ExitCode::FAILURE;
        }
    };
    let socket_dir = built.socket_dir.clone();
    built.server.run(pingora::server::RunArgs::default());
    let _ = std::fs::remove_dir_all(socket_dir);
    ExitCode::SUCCESS
}

fn print_urls(config: &Config, source: &reload::ConfigSource, watch: bool) {
    match &source.state_dir {
        Some(_) => println!(
            "localfront serving the embedded demo, unpacked to {} (edit it: changes apply live)",
            source.path.display()
        ),
        None if watch => println!(
            "localfront serving {} (watching it and the files it references)",
            source.path.display()
        ),
        None => println!("localfront serving {}", source.path.display()),
    }
    let s = &config.server;
    for d in &config.distributions {
        let host = match d.aliases.first() {
            Some(alias) => alias.clone(),
            None => s.http_listen.ip().to_string(),
        };
        print!(
            "  distribution {}: http://{host}:{}/",
            d.id,
            s.http_listen.port()
        );
        if let Some(https) = s.https_listen {
            print!("  https://{host}:{}/", https.port());
        }
        println!();
    }
    if let Some(admin) = s.admin_listen {
        println!("  admin: http://{admin}/healthz");
    }
}
