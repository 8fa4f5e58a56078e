#!/usr/bin/env python3
"""localfront's soak run (`make soak`): mixed traffic against the release binary for a while
(10 minutes by default, SOAK_SECONDS or --seconds to shorten), with a config reload every minute,
reporting every 30 s the requests served, unexpected answers and the process's memory (RSS) and
open file descriptors.

The mix, each request checked against the status it must get:
  cache hits        GET /cached/1k                          200 (CachingOptimized, one object)
  cache misses      GET /miss/<n>/1k                        200 (a new key each time; the cache is
                                                                 capped small so it churns)
  pass-through      GET /pass/64k                           200 (CachingDisabled)
  CloudFront Function  GET /fn/1k                           200 (viewer-request rewrite to a hit)
  auth failures     GET /private/x                          403 (a viewer-request function
                                                                 refusing requests without a token)
  Lambda@Edge       GET /wasm/1k                            200 (origin-request handler)
  API Gateway       GET /api/lambda/x, /api/http/1k         200 (Lambda and HTTP integrations)
  unknown API route GET /api/none                           404

Passes when no request got an unexpected answer and memory is flat: the RSS at the end is within
25 % (+16 MiB) of the RSS after the first minute, when caches and pools are warm. Loopback only;
every loop is bounded by the run time.
"""

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (ROOT, bench_guest, free_port,  # noqa: E402
                 wait_port)

REPORT_EVERY = 30
RELOAD_EVERY = 60
WORKERS = 8

REWRITE_JS = """function handler(event) {
  var request = event.request;
  request.uri = request.uri.replace(/^\\/fn\\//, '/cached/');
  return request;
}
"""

DENY_JS = """function handler(event) {
  var token = event.request.querystring.token;
  if (!token || token.value !== 'let-me-in') {
    return { statusCode: 403, statusDescription: 'Forbidden' };
  }
  return event.request;
}
"""


def conf(port, admin, origin, d, stamp_wasm, lambda_wasm, generation):
    return f"""# soak generation {generation}
[server]
http_listen = "127.0.0.1:{port}"
admin_listen = "127.0.0.1:{admin}"
threads = 2
grace_period = 1
cache_max_bytes = 16777216

[[distributions]]
id = "ESOAK"
[[distributions.origins]]
id = "origin"
domain_name = "127.0.0.1"
http_port = {origin}
[[distributions.origins]]
id = "api"
api = "soak"
[distributions.default_cache_behavior]
target_origin_id = "origin"
cache_policy = "CachingOptimized"
[[distributions.cache_behaviors]]
path_pattern = "/pass/*"
target_origin_id = "origin"
cache_policy = "CachingDisabled"
[[distributions.cache_behaviors]]
path_pattern = "/fn/*"
target_origin_id = "origin"
function_associations = {{ viewer_request = "rewrite" }}
[[distributions.cache_behaviors]]
path_pattern = "/private/*"
target_origin_id = "origin"
function_associations = {{ viewer_request = "deny" }}
[[distributions.cache_behaviors]]
path_pattern = "/wasm/*"
target_origin_id = "origin"
cache_policy = "CachingDisabled"
lambda_associations = {{ origin_request = "stamp" }}
[[distributions.cache_behaviors]]
path_pattern = "/api/*"
target_origin_id = "api"
cache_policy = "CachingDisabled"

[[functions]]
name = "rewrite"
code = "{d}/rewrite.js"
[[functions]]
name = "deny"
code = "{d}/deny.js"

[[edge_functions]]
name = "stamp"
component = "{stamp_wasm}"

[[apis]]
name = "soak"
[apis.routes."GET /api/lambda/{{proxy+}}"]
lambda = "bench"
[apis.routes."GET /api/http/{{proxy+}}"]
uri = "http://127.0.0.1:{origin}/pass/{{proxy}}"
[[lambda_functions]]
name = "bench"
component = "{lambda_wasm}"
"""


# (kind, path or path template, expected status)
MIX = [
    ("hit", "/cached/1k", 200),
    ("miss", "/miss/{n}/1k", 200),
    ("hit", "/cached/1k", 200),
    ("pass", "/pass/64k", 200),
    ("function", "/fn/1k", 200),
    ("auth-failure", "/private/x", 403),
    ("lambda@edge", "/wasm/1k", 200),
    ("api-lambda", "/api/lambda/x", 200),
    ("api-http", "/api/http/1k", 200),
    ("api-404", "/api/none", 404),
]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.unexpected = {}
        self.samples = []

    def count(self, kind, ok, detail):
        with self.lock:
            self.requests[kind] = self.requests.get(kind, 0) + 1
            if not ok:
                self.unexpected[kind] = self.unexpected.get(kind, 0) + 1
                if len(self.samples) < 20:
                    self.samples.append(f"{kind}: {detail}")

    def totals(self):
        with self.lock:
            return sum(self.requests.values()), sum(self.unexpected.values())


def worker(port, deadline, stats, seed):
    n = seed * 1_000_000
    conn = None
    i = seed
    while time.time() < deadline:
        kind, template, expected = MIX[i % len(MIX)]
        i += 1
        n += 1
        path = template.format(n=n)
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == expected
            stats.count(kind, ok, f"GET {path} → {resp.status}, expected {expected}")
            if resp.getheader("connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            stats.count(kind, False, f"GET {path} → {type(e).__name__}: {e}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def reload_count(admin):
    """`localfront_config_reloads_total{result="success"}` from /metrics."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", admin, timeout=5)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
    except OSError:
        return -1
    for line in text.splitlines():
        if line.startswith("localfront_config_reloads_total") and 'result="success"' in line:
            return int(float(line.split()[-1]))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", "600")))
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/localfront"))
    ap.add_argument("--origin", default=os.path.join(ROOT, "target/release/bench-origin"))
    args = ap.parse_args()

    d = tempfile.mkdtemp(prefix="localfront-soak-")
    procs = []
    try:
        oport, lport, aport = free_port(), free_port(), free_port()
        origin_log = open(f"{d}/origin.log", "w")
        procs.append(subprocess.Popen([args.origin, str(oport)], stdout=origin_log,
                                      stderr=subprocess.STDOUT))
        wait_port(oport, f"{d}/origin.log")
        with open(f"{d}/rewrite.js", "w") as f:
            f.write(REWRITE_JS)
        with open(f"{d}/deny.js", "w") as f:
            f.write(DENY_JS)
        stamp, lam = bench_guest("request-stamp"), bench_guest("lambda-bench")
        config = f"{d}/localfront.toml"
        with open(config, "w") as f:
            f.write(conf(lport, aport, oport, d, stamp, lam, 0))
        lf_log = open(f"{d}/localfront.log", "w")
        env = dict(os.environ, RUST_LOG="warn,lambda=warn")
        lf = subprocess.Popen([args.binary, "serve", "--config", config], cwd=d, env=env,
                              stdout=lf_log, stderr=subprocess.STDOUT)
        procs.append(lf)
        wait_port(lport, f"{d}/localfront.log")
        wait_port(aport, f"{d}/localfront.log")

        stats = Stats()
        started = time.time()
        deadline = started + args.seconds
        threads = [threading.Thread(target=worker, args=(lport, deadline, stats, s), daemon=True)
                   for s in range(WORKERS)]
        for t in threads:
            t.start()

        print(f"soak: {args.seconds} s of mixed traffic, {WORKERS} connections, reload every "
              f"{RELOAD_EVERY} s; localfront pid {lf.pid}, logs in {d}")
        print()
        print("| time | requests | req/s | unexpected | RSS MiB | open fds | reloads |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        rows = []
        generation = 0
        next_report, next_reload = started + REPORT_EVERY, started + RELOAD_EVERY
        last_total, last_time = 0, started
        while True:
            now = time.time()
            if now >= next_reload and now < deadline:
                generation += 1
                with open(config, "w") as f:
                    f.write(conf(lport, aport, oport, d, stamp, lam, generation))
                lf.send_signal(signal.SIGHUP)
                next_reload += RELOAD_EVERY
            if now >= next_report or now >= deadline:
                total, bad = stats.totals()
                rate = (total - last_total) / max(now - last_time, 1e-9)
                row = (round(now - started), total, rate, bad, rss_mib(lf.pid), open_fds(lf.pid),
                       reload_count(aport))
                rows.append(row)
                print(f"| {row[0]} s | {row[1]} | {row[2]:.0f} | {row[3]} | {row[4]:.1f} | "
                      f"{row[5]} | {row[6]} |", flush=True)
                last_total, last_time = total, now
                next_report += REPORT_EVERY
                if now >= deadline:
                    break
            if lf.poll() is not None:
                sys.exit(f"localfront exited with {lf.returncode}; log in {d}/localfront.log")
            time.sleep(0.2)
        for t in threads:
            t.join(timeout=15)

        total, bad = stats.totals()
        print()
        print("requests by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.requests.items())))
        for s in stats.samples:
            print(f"  unexpected: {s}")
        warm = next((r for r in rows if r[0] >= 60), rows[0])
        end = rows[-1]
        flat = end[4] <= warm[4] * 1.25 + 16
        reloads_ok = generation == 0 or end[6] >= generation
        print(f"RSS after warm-up {warm[4]:.1f} MiB, at the end {end[4]:.1f} MiB: "
              f"{'flat' if flat else 'GROWING'}")
        print(f"reloads sent {generation}, succeeded {end[6]}")
        if bad or not flat or not reloads_ok:
            sys.exit(f"soak FAILED: {bad} unexpected answers of {total}, memory "
                     f"{'flat' if flat else 'growing'}, reloads {end[6]}/{generation}")
        print(f"soak passed: {total} requests, 0 unexpected")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    socket.setdefaulttimeout(10)
    main()
