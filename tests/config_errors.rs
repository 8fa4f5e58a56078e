//! `localfront validate` / `serve` on broken configs: every error class, reported with the exact
//! `file:line:col`, key path, message and hint, all in one run.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Runs `localfront args…` in `dir`; returns (status, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (ExitStatus, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_localfront"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run localfront");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8 output");
    (out.status, text(out.stdout), text(out.stderr))
}

/// Writes `toml` to `localfront.toml` in a fresh temp dir and runs `localfront validate` on it.
fn validate(toml: &str) -> (ExitStatus, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("localfront.toml"), toml).unwrap();
    run(dir.path(), &["validate", "localfront.toml"])
}

/// Validates `toml`, expecting failure with exactly `expected` on stderr, one error per line.
fn assert_errors(toml: &str, expected: &[&str]) {
    let (status, stdout, stderr) = validate(toml);
    assert_eq!(status.code(), Some(1), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected);
}

// --- TOML and types ----------------------------------------------------------------------------

#[test]
fn syntax_error_reports_its_position() {
    assert_errors(
        "[[distributions]\nid = \"E1\"\n",
        &["localfront.toml:1:17: unclosed array table, expected `]`"],
    );
}

#[test]
fn syntax_error_column_counts_characters_not_bytes() {
    assert_errors(
        "[[distributions]]\nid = \"Ünïcödé\" x\n",
        &["localfront.toml:2:16: unexpected key or value, expected newline, `#`"],
    );
}

#[test]
fn wrong_value_type_is_reported_at_the_value_with_its_key_path() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "web"
domain_name = "localhost"
http_port = "80"
[distributions.default_cache_behavior]
target_origin_id = "web"
"#,
        &[
            r#"localfront.toml:6:13: distributions[0].origins[0].http_port: invalid type: string "80", expected an integer"#,
        ],
    );
}

// --- Unknown keys ------------------------------------------------------------------------------

#[test]
fn unknown_key_is_reported_at_the_key_with_did_you_mean() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions.cache_behaviors]]
path_pattern = "/api/*"
target_orgin_id = "api"
"#,
        &[
            "localfront.toml:8:1: distributions[0].cache_behaviors[0]: missing required key `target_origin_id`",
            "localfront.toml:10:1: distributions[0].cache_behaviors[0].target_orgin_id: unknown key `target_orgin_id` (did you mean `target_origin_id`?)",
        ],
    );
}

#[test]
fn unknown_key_inside_an_inline_table_is_reported_at_the_key() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "site"
s3 = { directroy = "public" }
[distributions.default_cache_behavior]
target_origin_id = "site"
"#,
        &[
            "localfront.toml:5:6: distributions[0].origins[0].s3: missing required key `directory`",
            "localfront.toml:5:8: distributions[0].origins[0].s3.directroy: unknown key `directroy` (did you mean `directory`?)",
        ],
    );
}

#[test]
fn unknown_key_far_from_any_key_lists_the_accepted_keys() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions.custom_error_responses]]
error_code = 404
colour = "blue"
"#,
        &["localfront.toml:10:1: distributions[0].custom_error_responses[0].colour: unknown key `colour` (expected one of `error_code`, `response_page_path`, `response_code`, `error_caching_min_ttl`)"],
    );
}

// --- References and uniqueness -----------------------------------------------------------------

#[test]
fn unknown_target_origin_id_suggests_a_close_id() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "apj"
"#,
        &["localfront.toml:7:20: distributions[0].default_cache_behavior.target_origin_id: unknown origin or origin group id `apj` (did you mean `api`?)"],
    );
}

#[test]
fn unknown_target_origin_id_far_from_any_id_has_no_hint() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "website"
"#,
        &["localfront.toml:7:20: distributions[0].default_cache_behavior.target_origin_id: unknown origin or origin group id `website`"],
    );
}

#[test]
fn unknown_origin_group_member_suggests_a_close_id() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "primary"
echo = true
[[distributions.origins]]
id = "secondary"
echo = true
[[distributions.origin_groups]]
id = "group"
members = ["primary", "secondry"]
failover_status_codes = [500]
[distributions.default_cache_behavior]
target_origin_id = "group"
"#,
        &["localfront.toml:11:23: distributions[0].origin_groups[0].members[1]: unknown origin id `secondry` (did you mean `secondary`?)"],
    );
}

#[test]
fn duplicate_origin_id_is_reported_at_the_second() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &["localfront.toml:7:6: distributions[0].origins[1].id: duplicate origin id `api`"],
    );
}

#[test]
fn duplicate_distribution_id_is_reported_at_the_second() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
domain_name = "one.cloudfront.net"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions]]
id = "E1"
domain_name = "two.cloudfront.net"
aliases = ["two.test"]
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &["localfront.toml:10:6: distributions[1].id: duplicate distribution id `E1`"],
    );
}

#[test]
fn duplicate_alias_across_distributions_is_reported_ignoring_case() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
aliases = ["www.example.test"]
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions]]
id = "E2"
aliases = ["api.example.test", "WWW.example.test"]
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &["localfront.toml:11:32: distributions[1].aliases[1]: host `www.example.test` is already used by another distribution or alias"],
    );
}

#[test]
fn second_distribution_without_aliases_is_rejected_with_a_hint() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions]]
id = "E2"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &[
            r#"localfront.toml:8:1: distributions[1]: a second distribution without `aliases`: only one may be the default for unmatched hosts (give this distribution `aliases = ["…"]`)"#,
        ],
    );
}

// --- Cache behaviors ---------------------------------------------------------------------------

/// A valid distribution followed by one cache behavior with `path_pattern` (line 9).
fn with_path_pattern(pattern: &str) -> String {
    format!(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions.cache_behaviors]]
path_pattern = "{pattern}"
target_origin_id = "api"
"#
    )
}

#[test]
fn path_pattern_longer_than_255_characters_is_rejected() {
    assert_errors(
        &with_path_pattern(&format!("/{}", "a".repeat(255))),
        &["localfront.toml:9:16: distributions[0].cache_behaviors[0].path_pattern: path pattern is 256 characters long: at most 255 are allowed"],
    );
}

#[test]
fn path_pattern_of_255_characters_is_accepted() {
    let (status, stdout, stderr) = validate(&with_path_pattern(&format!("/{}", "a".repeat(254))));
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "localfront.toml: OK\n");
}

#[test]
fn path_pattern_with_a_forbidden_character_is_rejected() {
    assert_errors(
        &with_path_pattern("/images/<x>/*"),
        &[
            r#"localfront.toml:9:16: distributions[0].cache_behaviors[0].path_pattern: character `<` is not allowed in a path pattern (allowed: A-Z a-z 0-9 _ - . * $ / ~ " ' @ : + & ?)"#,
        ],
    );
}

#[test]
fn bad_viewer_protocol_policy_suggests_the_close_value() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
viewer_protocol_policy = "redirect-to-http"
"#,
        &["localfront.toml:8:26: distributions[0].default_cache_behavior.viewer_protocol_policy: unknown value `redirect-to-http`: expected one of `allow-all`, `redirect-to-https`, `https-only` (did you mean `redirect-to-https`?)"],
    );
}

#[test]
fn allowed_methods_outside_cloudfronts_three_sets_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
allowed_methods = ["GET", "HEAD", "POST"]
"#,
        &[
            r#"localfront.toml:8:19: distributions[0].default_cache_behavior.allowed_methods: `GET`, `HEAD`, `POST` is not a method set CloudFront allows: expected ["GET","HEAD"], ["GET","HEAD","OPTIONS"] or all seven (GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE)"#,
        ],
    );
}

// --- Missing keys ------------------------------------------------------------------------------

#[test]
fn missing_required_keys_are_reported_at_their_tables() {
    assert_errors(
        r#"[[distributions]]
domain_name = "d1.cloudfront.net"
[[distributions.origins]]
echo = true
[[distributions.cache_behaviors]]
path_pattern = "/api/*"
"#,
        &[
            "localfront.toml:1:1: distributions[0]: missing required key `id`",
            "localfront.toml:1:1: distributions[0]: missing required table `default_cache_behavior` (add `[distributions.default_cache_behavior]` with `target_origin_id`)",
            "localfront.toml:3:1: distributions[0].origins[0]: missing required key `id`",
            "localfront.toml:5:1: distributions[0].cache_behaviors[0]: missing required key `target_origin_id`",
        ],
    );
}

#[test]
fn file_without_distributions_is_rejected() {
    assert_errors(
        "[server]\nhttp_listen = \"127.0.0.1:8080\"\n",
        &["localfront.toml:1:1: no `[[distributions]]`: at least one distribution is required"],
    );
}

#[test]
fn missing_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (status, _, stderr) = run(dir.path(), &["validate", "nope.toml"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.starts_with("nope.toml:1:1: cannot read the config file: "),
        "{stderr}"
    );
}

// --- Origins -----------------------------------------------------------------------------------

#[test]
fn s3_directory_that_does_not_exist_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "site"
s3 = { directory = "public" }
[distributions.default_cache_behavior]
target_origin_id = "site"
"#,
        &["localfront.toml:5:20: distributions[0].origins[0].s3.directory: `./public` is not a directory"],
    );
}

#[test]
fn relative_s3_directory_resolves_against_the_config_files_folder() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(conf.join("site")).unwrap();
    std::fs::create_dir(dir.path().join("cwd-only")).unwrap();
    let toml = |directory: &str| {
        format!(
            r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "site"
s3 = {{ directory = "{directory}" }}
[distributions.default_cache_behavior]
target_origin_id = "site"
"#
        )
    };
    std::fs::write(conf.join("ok.toml"), toml("site")).unwrap();
    std::fs::write(conf.join("bad.toml"), toml("cwd-only")).unwrap();

    // Run from the parent folder: `site` exists only next to the config file.
    let (status, stdout, stderr) = run(dir.path(), &["validate", "conf/ok.toml"]);
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "conf/ok.toml: OK\n");

    // `cwd-only` exists in the working directory, not next to the config file.
    let (status, _, stderr) = run(dir.path(), &["validate", "conf/bad.toml"]);
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        stderr,
        "conf/bad.toml:5:20: distributions[0].origins[0].s3.directory: `conf/cwd-only` is not a directory\n"
    );
}

#[test]
fn out_of_range_connection_settings_are_each_reported() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "web"
domain_name = "localhost"
connection_timeout = 11
connection_attempts = 0
read_timeout = 61
keepalive_timeout = 0
[distributions.default_cache_behavior]
target_origin_id = "web"
"#,
        &[
            "localfront.toml:6:22: distributions[0].origins[0].connection_timeout: 11 is out of range: expected 1 to 10",
            "localfront.toml:7:23: distributions[0].origins[0].connection_attempts: 0 is out of range: expected 1 to 3",
            "localfront.toml:8:16: distributions[0].origins[0].read_timeout: 61 is out of range: expected 1 to 60",
            "localfront.toml:9:21: distributions[0].origins[0].keepalive_timeout: 0 is out of range: expected 1 to 60",
        ],
    );
}

#[test]
fn http_port_outside_cloudfronts_ports_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "web"
domain_name = "localhost"
http_port = 81
[distributions.default_cache_behavior]
target_origin_id = "web"
"#,
        &["localfront.toml:6:13: distributions[0].origins[0].http_port: port 81 is not allowed: expected 80, 443 or 1024 to 65535"],
    );
}

#[test]
fn forbidden_origin_custom_headers_are_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
custom_headers = { Host = "example.test", "X-Amz-Foo" = "1", "X-Ok" = "1" }
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &[
            "localfront.toml:6:27: distributions[0].origins[0].custom_headers.Host: `Host` cannot be an origin custom header",
            "localfront.toml:6:57: distributions[0].origins[0].custom_headers.X-Amz-Foo: `X-Amz-Foo` cannot be an origin custom header",
        ],
    );
}

#[test]
fn origin_path_with_a_trailing_slash_is_rejected_with_the_fix() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
origin_path = "/v1/"
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &["localfront.toml:6:15: distributions[0].origins[0].origin_path: `/v1/` must start with `/` and not end with `/` (write `/v1`)"],
    );
}

#[test]
fn origin_with_two_kinds_is_rejected_once() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
domain_name = "localhost"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &[
            r#"localfront.toml:3:1: distributions[0].origins[0]: origin `api` needs exactly one of `domain_name` (custom origin), `s3 = { … }`, `echo = true` or `api = "name"` (a custom origin sets `domain_name`; an S3-style origin sets `s3 = { directory = "./public" }`)"#,
        ],
    );
}

#[test]
fn origin_group_with_one_member_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[[distributions.origin_groups]]
id = "group"
members = ["api"]
failover_status_codes = [503]
[distributions.default_cache_behavior]
target_origin_id = "group"
"#,
        &["localfront.toml:8:11: distributions[0].origin_groups[0].members: 1 members: an origin group has exactly 2 (primary, secondary)"],
    );
}

#[test]
fn origin_group_failover_code_cloudfront_cannot_fail_over_on_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
echo = true
[[distributions.origins]]
id = "b"
echo = true
[[distributions.origin_groups]]
id = "group"
members = ["a", "b"]
failover_status_codes = [500, 501]
[distributions.default_cache_behavior]
target_origin_id = "group"
"#,
        &["localfront.toml:12:31: distributions[0].origin_groups[0].failover_status_codes[1]: 501 cannot trigger failover: expected one of `400`, `403`, `404`, `416`, `500`, `502`, `503`, `504`"],
    );
}

// --- Distribution settings ---------------------------------------------------------------------

#[test]
fn custom_error_response_with_bad_codes_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions.custom_error_responses]]
error_code = 200
response_page_path = "/error.html"
response_code = 302
"#,
        &[
            "localfront.toml:9:14: distributions[0].custom_error_responses[0].error_code: 200 is not an error code CloudFront customizes: expected one of 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504",
            "localfront.toml:11:17: distributions[0].custom_error_responses[0].response_code: 302 is not allowed: expected one of 200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504",
        ],
    );
}

#[test]
fn custom_error_response_code_without_a_page_is_rejected() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
[[distributions.custom_error_responses]]
error_code = 404
response_code = 200
"#,
        &["localfront.toml:10:17: distributions[0].custom_error_responses[0].response_code: `response_code` needs `response_page_path`"],
    );
}

#[test]
fn default_root_object_starting_with_a_slash_is_rejected_with_the_fix() {
    assert_errors(
        r#"[[distributions]]
id = "E1"
default_root_object = "/index.html"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#,
        &["localfront.toml:3:23: distributions[0].default_root_object: `/index.html` must not start with `/` (write `index.html`)"],
    );
}

// --- Server ------------------------------------------------------------------------------------

/// `[server]` with `lines`, then a valid distribution.
fn with_server(lines: &str) -> String {
    format!(
        r#"[server]
{lines}
[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "api"
"#
    )
}

#[test]
fn bad_listen_address_is_rejected_with_an_example() {
    assert_errors(
        &with_server(r#"http_listen = "localhost:8080""#),
        &["localfront.toml:2:15: server.http_listen: `localhost:8080` is not a socket address (write `127.0.0.1:8080` or `[::1]:8080`)"],
    );
}

#[test]
fn tls_cert_without_tls_key_is_rejected() {
    assert_errors(
        &with_server("https_listen = \"127.0.0.1:8443\"\ntls_cert = \"cert.pem\""),
        &["localfront.toml:1:1: server: `tls_cert` is set without `tls_key`"],
    );
}

// --- Whole runs --------------------------------------------------------------------------------

#[test]
fn every_error_in_a_file_is_reported_in_one_run() {
    let (status, stdout, stderr) = validate(
        r#"[server]
http_listen = "nowhere"
[[distributions]]
id = "E1"
default_root_object = "/index.html"
[[distributions.origins]]
id = "web"
domain_name = "localhost"
http_port = 81
read_timeout = 61
protocol_polcy = "http-only"
[distributions.default_cache_behavior]
target_origin_id = "wbe"
viewer_protocol_policy = "always"
"#,
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 7, "{stderr}");
    for at in ["2:15", "5:23", "9:13", "10:16", "11:1", "13:20", "14:26"] {
        let prefix = format!("localfront.toml:{at}: ");
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "no error at {at}:\n{stderr}"
        );
    }
}

#[test]
fn validate_reports_ok_files_and_errors_for_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.toml"),
        "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[[distributions]]\nid = 1\n").unwrap();
    let (status, stdout, stderr) = run(dir.path(), &["validate", "good.toml", "bad.toml"]);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "good.toml: OK\n");
    assert_eq!(
        stderr,
        "bad.toml:2:6: distributions[0].id: invalid type: integer `1`, expected a string\n"
    );
}

#[test]
fn every_example_config_validates() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples/*.toml");
    let args: Vec<&str> = std::iter::once("validate")
        .chain(files.iter().map(String::as_str))
        .collect();
    let (status, stdout, stderr) = run(&examples, &args);
    assert!(status.success(), "{stderr}");
    let expected: Vec<String> = files.iter().map(|f| format!("{f}: OK")).collect();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn serve_with_a_broken_config_exits_with_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"b\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_localfront"))
        .args(["serve", "--config", "broken.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Guard against a config that is accidentally valid: serve would run forever.
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("`localfront serve` did not exit on a broken config");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(
        stderr.contains("broken.toml:7:20: distributions[0].default_cache_behavior.target_origin_id: unknown origin or origin group id `b`"),
        "{stderr}"
    );
}

// --- Streaming, HTTP/2, gRPC, dev servers ------------------------------------------------------

#[test]
fn streaming_and_grpc_keys_are_checked() {
    assert_errors(
        r#"[server]
websocket_idle_timeout = 0
[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
domain_name = "127.0.0.1"
http_version = "h2"
origin_host_header = "client"
[[distributions.origins]]
id = "site"
echo = true
http_version = "http2"
[distributions.default_cache_behavior]
target_origin_id = "api"
grpc = true
"#,
        &[
            "localfront.toml:2:26: server.websocket_idle_timeout: 0 is out of range: expected 1 to 600",
            "localfront.toml:8:16: distributions[0].origins[0].http_version: unknown value `h2`: expected one of `http1.1`, `http2`",
            "localfront.toml:9:22: distributions[0].origins[0].origin_host_header: unknown value `client`: expected one of `origin`, `viewer`",
            "localfront.toml:13:16: distributions[0].origins[1].http_version: `http_version` applies only to custom origins (with `domain_name`)",
            "localfront.toml:16:8: distributions[0].default_cache_behavior.grpc: gRPC needs a behavior that allows POST (set `allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]`)",
            "localfront.toml:16:8: distributions[0].default_cache_behavior.grpc: gRPC needs an HTTP/2 origin, and origin `api` speaks HTTP/1.1 (set `http_version = \"http2\"` on origin `api`)",
        ],
    );
}

#[test]
fn out_of_range_thread_counts_are_reported() {
    assert_errors(
        r#"[server]
threads = 0
function_threads = 257
[[distributions]]
id = "E1"
[[distributions.origins]]
id = "site"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "site"
"#,
        &[
            "localfront.toml:2:11: server.threads: 0 is out of range: expected 1 to 256",
            "localfront.toml:3:20: server.function_threads: 257 is out of range: expected 1 to 256",
        ],
    );
}
