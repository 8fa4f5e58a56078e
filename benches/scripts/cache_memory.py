#!/usr/bin/env python3
"""P7 alone, in about a minute: localfront's RSS growth ÷ cached payload for N new 1 KB objects.

    benches/scripts/cache_memory.py [--binary PATH] [--objects N]

Starts the release bench-origin and localfront (one worker, a CachingOptimized default behavior,
an admin listener for `/metrics`), warms the process with a few seconds of hits on one object (as
the full run's load rows do), then fills the cache exactly as `run.py`'s P7 row does.
"""

import argparse
import os
import shutil
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from run import ROOT, cache_memory, free_port, pin, start, stop, wait_port  # noqa: E402
import subprocess  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/localfront"))
    ap.add_argument("--origin", default=os.path.join(ROOT, "target/release/bench-origin"))
    ap.add_argument("--objects", type=int, default=100_000)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="localfront-p7-")
    procs = []
    try:
        oport, lport, aport = free_port(), free_port(), free_port()
        procs.append(start([os.path.abspath(args.origin), str(oport)], 1, f"{d}/origin.log"))
        wait_port(oport, f"{d}/origin.log")
        with open(f"{d}/localfront.toml", "w") as f:
            f.write(f"""[server]
http_listen = "127.0.0.1:{lport}"
admin_listen = "127.0.0.1:{aport}"
threads = 1
[[distributions]]
id = "EBENCH"
[[distributions.origins]]
id = "origin"
domain_name = "127.0.0.1"
http_port = {oport}
[distributions.default_cache_behavior]
target_origin_id = "origin"
cache_policy = "CachingOptimized"
""")
        lf = start([os.path.abspath(args.binary), "serve", "--config", f"{d}/localfront.toml"], 0,
                   f"{d}/localfront.log", cwd=d, env=dict(os.environ, RUST_LOG="warn"))
        procs.append(lf)
        wait_port(lport, f"{d}/localfront.log")
        wait_port(aport, f"{d}/localfront.log")
        urllib.request.urlopen(f"http://127.0.0.1:{lport}/cached/1k").read()
        subprocess.run(pin(1) + ["wrk", "-t1", "-c32", "-d3s", f"http://127.0.0.1:{lport}/cached/1k"],
                       capture_output=True, check=True)
        cache_memory(d, lport, aport, lf.pid, args.objects)
    finally:
        stop(procs)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
