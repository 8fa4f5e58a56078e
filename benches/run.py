#!/usr/bin/env python3
"""localfront's load benchmarks: localfront against nginx and the origin itself, side by side.

Every figure is a ratio against a baseline measured in the same run, in interleaved rounds
(A B A B ...), because absolute numbers on a shared 2-core machine are noise. Next to req/s it
reports the server process's CPU time per request (from /proc/PID/stat), the figure that survives
noise best. The server under test runs on core 0; the load generator (wrk) and the origin share
core 1 (the origin is a one-thread hyper server with prebuilt bodies, far cheaper than either
proxy, so it is never the bottleneck).

Usage: run.py [--quick | --smoke] [--binary PATH]
  (default)  5 rounds x 10 s per target
  --quick    3 rounds x 5 s
  --smoke    1 round x 1 s, to prove the harness runs (used by `make test`; numbers meaningless)
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
CONNECTIONS = 32


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, log, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    with open(log) as f:
        sys.exit(f"nothing listens on port {port} after {timeout} s; {log}:\n{f.read()}")


def cpu_ticks(pids):
    """utime + stime of the processes, in clock ticks (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def nginx_workers(master):
    """The master's worker processes (not the cache manager or the cache loader, which exits)."""
    workers = []
    for pid in children(master):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"worker process" in f.read():
                    workers.append(pid)
        except FileNotFoundError:
            pass
    return workers or [master]


def pin(core):
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and os.cpu_count() >= 2 else []


def wrk(url, seconds, headers=(), connections=CONNECTIONS):
    """req/s, p50 ms, p99 ms, requests."""
    extra = [arg for h in headers for arg in ("-H", h)]
    out = subprocess.run(
        pin(1) + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"] + extra + [url],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} error responses\n{out}")

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rps, pct(50), pct(99), requests


class Target:
    def __init__(self, name, url, pids, headers=()):
        self.name, self.url, self.pids, self.headers = name, url, pids, headers
        self.samples = []  # (rps, p50, p99, cpu_us_per_request)

    def round(self, seconds):
        before = cpu_ticks(self.pids) if self.pids else 0
        rps, p50, p99, requests = wrk(self.url, seconds, self.headers)
        cpu = (cpu_ticks(self.pids) - before) * 1e6 / CLK_TCK / max(requests, 1) if self.pids else 0.0
        self.samples.append((rps, p50, p99, cpu))

    def median(self, i):
        return statistics.median(s[i] for s in self.samples)


def added_latency(with_url, without_url, rounds, seconds):
    """What `with_url` adds over `without_url` at one connection, below saturation, so the
    difference is the added work's own latency: rounds of the two back to back, and the median of
    the per-round differences of p50 and of p99 (µs), with the smallest and largest p50
    difference. Pairing each round cancels the machine's slow drift (on this VM the same binary's
    added p50 moved between 34 and 59 µs within an hour, the pass-through's p50 by a few µs); short
    rounds give more pairs in the same time."""
    diffs = []
    for _ in range(rounds):
        with_ = wrk(with_url, seconds, connections=1)
        without = wrk(without_url, seconds, connections=1)
        diffs.append(((with_[1] - without[1]) * 1000, (with_[2] - without[2]) * 1000))
    p50s = [d[0] for d in diffs]
    return (statistics.median(p50s), statistics.median(d[1] for d in diffs), min(p50s), max(p50s))


def stop(procs):
    """Kills each process started by `start` with its whole session (nginx's workers too)."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(cmd, core, log, **kw):
    out = open(log, "w")
    return subprocess.Popen(pin(core) + cmd, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True, **kw)


def nginx_conf(d, port, origin):
    return f"""
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    proxy_cache_path {d}/nginx-cache levels=1:2 keys_zone=c:10m max_size=256m inactive=60m use_temp_path=off;
    proxy_temp_path {d}/nginx-temp;
    client_body_temp_path {d}/nginx-body;
    upstream origin {{ server 127.0.0.1:{origin}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port} reuseport;
        location /pass/ {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
        location /cached/ {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache c;
            proxy_cache_valid 200 1h;
        }}
    }}
}}
"""


# P3: the URL rewrite CloudFront's documentation starts with, on a path that is then a cache hit
# (shared with benches/scripts/instructions.sh).
REWRITE_JS_PATH = os.path.join(ROOT, "benches/functions/p3-rewrite.js")


def bench_guest(package):
    """A test fixture built as a user's handler would be: `cargo build --release`, i.e. opt-level
    3. The fixtures' own release profile (runtimes/wasm/fixtures/Cargo.toml) is opt-level "s" so
    the tests compile them quickly; at "s" the request-stamp handler's call took ≈ 25 µs instead
    of ≈ 18.5 µs (P4, 2026-11-26). Its own target dir keeps the tests' builds untouched; cargo
    skips the build when nothing changed."""
    target = os.path.join(ROOT, "target/wasm-guests-bench")
    built = subprocess.run(["cargo", "build", "--release", "--target", "wasm32-wasip2", "-p", package,
                            "--manifest-path", os.path.join(ROOT, "runtimes/wasm/fixtures/Cargo.toml"),
                            "--target-dir", target], capture_output=True, text=True,
                           env=dict(os.environ, CARGO_PROFILE_RELEASE_OPT_LEVEL="3"))
    if built.returncode != 0:
        # `make bench`/`bench-quick` add the target (`make deps`); run.py alone does not.
        sys.exit(f"building the {package} guest failed (is the wasm32-wasip2 target installed? "
                 f"`make deps` adds it):\n{built.stderr[-2000:]}")
    return os.path.join(target, f"wasm32-wasip2/release/{package.replace('-', '_')}.wasm")


def localfront_conf(port, admin, origin, bucket, rewrite_js, stamp_wasm, lambda_wasm):
    return f"""
[server]
http_listen = "127.0.0.1:{port}"
admin_listen = "127.0.0.1:{admin}"
threads = 1
grace_period = 0

[[issuers]]
name = "bench"
issuer_url = "http://127.0.0.1:{admin}/bench"

[[distributions]]
id = "EBENCH"
[[distributions.origins]]
id = "origin"
domain_name = "127.0.0.1"
http_port = {origin}
[distributions.default_cache_behavior]
target_origin_id = "origin"
cache_policy = "CachingOptimized"
[[distributions.origins]]
id = "bucket"
s3 = {{ directory = "{bucket}" }}
[[distributions.cache_behaviors]]
path_pattern = "/pass/*"
target_origin_id = "origin"
cache_policy = "CachingDisabled"
[[distributions.cache_behaviors]]
path_pattern = "/s3/*"
target_origin_id = "bucket"
cache_policy = "CachingDisabled"
[[distributions.cache_behaviors]]
path_pattern = "/fn/*"
target_origin_id = "origin"
function_associations = {{ viewer_request = "rewrite" }}
[[distributions.cache_behaviors]]
path_pattern = "/wasm/*"
target_origin_id = "origin"
cache_policy = "CachingDisabled"
lambda_associations = {{ origin_request = "stamp" }}

[[functions]]
name = "rewrite"
code = "{rewrite_js}"

[[edge_functions]]
name = "stamp"
component = "{stamp_wasm}"
[[distributions.origins]]
id = "api"
api = "bench"
[[distributions.cache_behaviors]]
path_pattern = "/api/*"
target_origin_id = "api"
cache_policy = "CachingDisabled"
# Authorization must reach the API's JWT authorizer (P5), as in front of API Gateway on CloudFront.
origin_request_policy = "AllViewer"

[[apis]]
name = "bench"
[apis.routes."GET /api/lambda/{{proxy+}}"]
lambda = "bench"
[apis.routes."GET /api/http/{{proxy+}}"]
uri = "http://127.0.0.1:{origin}/pass/{{proxy}}"
[apis.routes."GET /api/jwt/{{proxy+}}"]
uri = "http://127.0.0.1:{origin}/pass/{{proxy}}"
authorizer = "jwt"
authorization_scopes = ["bench/read"]
[[apis.authorizers]]
name = "jwt"
type = "jwt"
local_issuer = "bench"
audience = ["bench"]
[[lambda_functions]]
name = "bench"
component = "{lambda_wasm}"
"""


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


def admin_metric(aport, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{aport}/metrics").read().decode()
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? ([\d.e+]+)$", text, re.M))


def cache_memory(d, lport, aport, pid, objects):
    """P7: fills the cache with `objects` distinct 1 KB objects (wrk with a Lua script walking
    /obj/<n>/1k, then hits once all are stored) and prints RSS growth ÷ cached payload bytes."""
    script = f"{d}/fill.lua"
    before_objects = admin_metric(aport, "localfront_cache_objects")
    rss_before = rss_bytes(pid)
    deadline = time.time() + 300
    while (stored := admin_metric(aport, "localfront_cache_objects") - before_objects) < objects:
        if time.time() > deadline:
            sys.exit("P7: the cache did not fill in 5 minutes")
        # Each wrk run starts where the cache stopped, so a slow machine still gets there.
        with open(script, "w") as f:
            f.write(f"""
n = {int(stored)}
request = function()
  n = n + 1
  if n > {objects} then n = 1 end
  return wrk.format("GET", "/obj/" .. n .. "/1k")
end
""")
        subprocess.run(pin(1) + ["wrk", "-t1", "-c8", "-d5s", "-s", script, f"http://127.0.0.1:{lport}/"],
                       capture_output=True, check=True)
    stored = admin_metric(aport, "localfront_cache_objects") - before_objects
    growth = rss_bytes(pid) - rss_before
    payload = stored * 1024
    ratio = growth / payload
    # Below ~10,000 objects the growth is within RSS's noise (it can even be negative): no verdict.
    verdict = ("goal ≤ 1.5, too few objects to judge" if objects < 10_000
               else f"goal ≤ 1.5, {'meets' if ratio <= 1.5 else 'above'}")
    print(f"{'P7 cache memory':<24} {int(stored)} objects of 1 KB: RSS +{growth / 2**20:.1f} MiB for "
          f"{payload / 2**20:.1f} MiB of payload: {ratio:.2f} RSS growth ÷ payload ({verdict})")


def function_vs_node():
    """P9: `cargo bench -p localfront-js` times a URL-rewrite run on a reused context and the same
    function in Node with a fresh `vm` context per request, in one process run."""
    out = subprocess.run(["cargo", "bench", "-q", "-p", "localfront-js", "--bench", "url_rewrite", "--",
                          "--warm-up-time", "1", "--measurement-time", "2"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    ours = re.search(r"localfront \(boa, reused context\): ([\d.]+) µs", out)
    node = re.search(r"node \(fresh vm context per request\): ([\d.]+) µs", out)
    if not ours or not node:
        print(f"{'P9 CFF ÷ Node vm':<24} not measured (no node on the PATH, or the bench failed)")
        return
    ratio = float(ours.group(1)) / float(node.group(1))
    print(f"{'P9 CFF ÷ Node vm':<24} {ours.group(1)} µs vs {node.group(1)} µs per run: {ratio:.3f} "
          f"(goal ≤ 0.1, {'meets' if ratio <= 0.1 else 'above'})")


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/localfront"))
    ap.add_argument("--origin", default=os.path.join(ROOT, "target/release/bench-origin"))
    ap.add_argument("--s3-origin", default=None, help="default: bench-s3-origin next to --origin")
    ap.add_argument("--only", default=None, metavar="P1,P3,...",
                    help="run only these scenarios (by their first word: P1, P2, S3, P3…P7, P9)")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None

    def wanted(name):
        return only is None or name.split()[0] in only

    args.binary, args.origin = os.path.abspath(args.binary), os.path.abspath(args.origin)
    args.s3_origin = os.path.abspath(args.s3_origin or os.path.join(os.path.dirname(args.origin), "bench-s3-origin"))
    # P2's floor: pingora 0.9 with `upstream_peer` only; P1's: the same answering `/fixed/` from
    # memory (src/bin/bench-pingora.rs).
    args.pingora = os.path.join(os.path.dirname(args.origin), "bench-pingora")
    rounds, seconds = (1, 1) if args.smoke else (3, 5) if args.quick else (5, 10)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: `make bench` installs it (apt-get install {tool})")

    d = tempfile.mkdtemp(prefix="localfront-bench-")
    # nginx's worker drops to an unprivileged user when started as root: let it write its dirs.
    os.chmod(d, 0o755)
    for sub in ("nginx-cache", "nginx-temp", "nginx-body"):
        os.mkdir(f"{d}/{sub}")
        os.chmod(f"{d}/{sub}", 0o777)
    procs = []
    try:
        oport, nport, lport, aport, sport = free_port(), free_port(), free_port(), free_port(), free_port()
        pport = free_port()
        bport = free_port()
        procs.append(start([args.origin, str(oport)], 1, f"{d}/origin.log"))
        wait_port(oport, f"{d}/origin.log")
        # The bucket for the in-process S3-style origin, and the same directory served directly.
        os.makedirs(f"{d}/bucket/s3")
        with open(f"{d}/bucket/s3/1k", "wb") as f:
            f.write(b"a" * 1024)
        # On core 0 like the servers under test: it is the baseline of the S3 row, not a helper.
        procs.append(start([args.s3_origin, str(sport), f"{d}/bucket"], 0, f"{d}/s3-origin.log"))
        wait_port(sport, f"{d}/s3-origin.log")
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(nginx_conf(d, nport, oport))
        nginx = start(["nginx", "-c", f"{d}/nginx.conf", "-p", d], 0, f"{d}/nginx.log")
        procs.append(nginx)
        pingora = start([args.pingora, str(pport), str(oport), str(bport)], 0, f"{d}/pingora.log")
        procs.append(pingora)
        with open(f"{d}/localfront.toml", "w") as f:
            f.write(localfront_conf(lport, aport, oport, f"{d}/bucket", REWRITE_JS_PATH,
                                    bench_guest("request-stamp"), bench_guest("lambda-bench")))
        # Per-invocation REPORT lines (target `lambda`, info) are left out: P6 measures the
        # integration, not the log writer.
        env = dict(os.environ, RUST_LOG="info,lambda=warn,pingora_core=warn,pingora_proxy=warn")
        lf = start([args.binary, "serve", "--config", f"{d}/localfront.toml"], 0, f"{d}/localfront.log",
                   cwd=d, env=env)
        procs.append(lf)
        wait_port(nport, f"{d}/nginx.log")
        wait_port(lport, f"{d}/localfront.log")
        wait_port(pport, f"{d}/pingora.log")
        wait_port(bport, f"{d}/pingora.log")
        workers = nginx_workers(nginx.pid)
        # P5's token, from the local issuer localfront serves (its key is in the bench's state dir).
        token = subprocess.run(
            [args.binary, "token", "--config", f"{d}/localfront.toml", "--issuer", "bench",
             "--sub", "bench", "--client-id", "bench", "--scope", "bench/read"],
            cwd=d, capture_output=True, text=True, check=True).stdout.strip()

        def url(port, path):
            return f"http://127.0.0.1:{port}{path}"

        for warm in (url(nport, "/cached/1k"), url(lport, "/cached/1k")):
            urllib.request.urlopen(warm).read()

        scenarios = [
            ("P1 cache hit, 1 KB", "localfront ÷ nginx proxy_cache", 1.3, [
                Target("localfront", url(lport, "/cached/1k"), [lf.pid]),
                Target("nginx", url(nport, "/cached/1k"), workers),
                Target("pingora, memory", url(pport, "/fixed/1k"), [pingora.pid]),
                Target("pingora, bare", url(bport, "/fixed/1k"), [pingora.pid])]),
            ("P2 pass-through, 1 KB", "localfront ÷ nginx proxy_pass", 1.0, [
                Target("localfront", url(lport, "/pass/1k"), [lf.pid]),
                Target("nginx", url(nport, "/pass/1k"), workers),
                Target("stock pingora", url(pport, "/pass/1k"), [pingora.pid]),
                Target("direct origin", url(oport, "/pass/1k"), [])]),
            # The in-process origin's hop (issue 2's design note): no goal, a measurement.
            ("S3 directory, 1 KB", "localfront (Unix-socket hop) ÷ the origin on TCP", None, [
                Target("localfront", url(lport, "/s3/1k"), [lf.pid]),
                Target("S3 origin, TCP", url(sport, "/s3/1k"), [procs[1].pid])]),
            ("P2 pass-through, 64 KB", "localfront ÷ nginx proxy_pass", 1.0, [
                Target("localfront", url(lport, "/pass/64k"), [lf.pid]),
                Target("nginx", url(nport, "/pass/64k"), workers)]),
            ("P3 hit + CFF rewrite", "with ÷ without the function", 0.85, [
                Target("with function", url(lport, "/fn/1k"), [lf.pid]),
                Target("without", url(lport, "/cached/1k"), [lf.pid])]),
            # P3's and P4's figure is the added latency at one connection, printed below each.
            ("P4 origin-request wasm", "with ÷ without the handler", None, [
                Target("with handler", url(lport, "/wasm/1k"), [lf.pid]),
                Target("without", url(lport, "/pass/1k"), [lf.pid])]),
            # A JWT authorizer (local issuer, RS256, a scope) in front of the HTTP integration
            # against the same integration without one: the verified-token cache makes a repeated
            # token cost a hash.
            ("P5 JWT route, 1 KB", "authorized ÷ unauthenticated", 0.8, [
                Target("JWT route", url(lport, "/api/jwt/1k"), [lf.pid],
                       [f"Authorization: Bearer {token}"]),
                Target("no authorizer", url(lport, "/api/http/1k"), [lf.pid])]),
            # An API origin: a wasm Lambda function answering 1 KB against an HTTP integration
            # to the bench origin's 1 KB, both through the same distribution and API.
            ("P6 API route, 1 KB", "wasm Lambda ÷ HTTP integration", 1.0, [
                Target("wasm Lambda", url(lport, "/api/lambda/1k"), [lf.pid]),
                Target("HTTP integ.", url(lport, "/api/http/1k"), [lf.pid])]),
        ]
        print(f"{rounds} interleaved rounds x {seconds} s per target, wrk -t1 -c{CONNECTIONS}, "
              f"servers on core 0, wrk and origin on core 1; medians")
        print(f"{'scenario':<24} {'target':<14} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'CPU µs/req':>10}  ratio (goal)")
        for name, ratio_name, goal, targets in scenarios:
            if not wanted(name):
                continue
            for _ in range(rounds):
                for t in targets:
                    t.round(seconds)
            base = targets[1]
            for t in targets:
                cpu = f"{t.median(3):10.1f}" if t.pids else f"{'-':>10}"
                line = f"{name:<24} {t.name:<14} {t.median(0):9.0f} {t.median(1):7.2f} {t.median(2):7.2f} {cpu}"
                if t is targets[0]:
                    ratio = t.median(0) / base.median(0)
                    line += f"  {ratio:.2f} {ratio_name}"
                    if goal is not None:
                        line += f" (goal ≥ {goal}, {'meets' if ratio >= goal else 'below'})"
                elif t.name == "pingora, memory":
                    line += (f"  {t.median(0) / base.median(0):.2f} pingora answering from memory ÷ nginx"
                             " (the floor of any hit on pingora's proxy service)")
                elif t.name == "pingora, bare":
                    line += (f"  {t.median(0) / base.median(0):.2f} pingora's bare HTTP server ÷ nginx"
                             " (the floor of anything answering through pingora)")
                elif t.name == "stock pingora":
                    line += f"  {t.median(0) / base.median(0):.2f} stock pingora ÷ nginx (the floor pingora sets)"
                elif t.name == "direct origin":
                    line += f"  localfront ÷ direct: {targets[0].median(0) / t.median(0):.2f} (the hop's cost)"
                print(line)
            if name.startswith("P3") or name.startswith("P4"):
                # At 32 connections the worker is saturated and p50 is mostly queueing; the
                # added latency of one request is measured with a single connection.
                goal_us = 20 if name.startswith("P3") else 50
                added = added_latency(targets[0].url, targets[1].url, 2 * rounds + 1,
                                      max(1, seconds // 2))
                print(f"{'':<24} added latency, 1 connection: p50 {added[0]:.0f} µs "
                      f"({2 * rounds + 1} rounds: {added[2]:.0f}–{added[3]:.0f}), p99 "
                      f"{added[1]:.0f} µs (goal p50 ≤ {goal_us} µs, "
                      f"{'meets' if added[0] <= goal_us else 'below'}); CPU added "
                      f"{targets[0].median(3) - targets[1].median(3):.1f} µs/req at load")
        if wanted("P7"):
            # A few seconds of hits first, so P7 alone (`--only P7`) starts from a process as warm
            # as after the load rows.
            subprocess.run(pin(1) + ["wrk", "-t1", "-c32", f"-d{1 if args.smoke else 3}s",
                                     url(lport, "/cached/1k")], capture_output=True, check=True)
            cache_memory(d, lport, aport, lf.pid, 1_000 if args.smoke else 100_000)
        if not wanted("P9"):
            pass
        elif args.smoke:
            print(f"{'P9 CFF ÷ Node vm':<24} skipped in the smoke run (cargo bench builds its own binary)")
        else:
            function_vs_node()
        if args.smoke:
            print("benchmark harness smoke run finished")
    except Exception:
        # Show what the servers said before they stopped answering.
        for log in ("localfront.log", "nginx.log", "pingora.log", "origin.log", "s3-origin.log"):
            if os.path.exists(f"{d}/{log}"):
                with open(f"{d}/{log}", errors="replace") as f:
                    print(f"--- {log} (last lines)\n" + "".join(f.readlines()[-15:]), file=sys.stderr)
        raise
    finally:
        stop(procs)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
