#!/usr/bin/env python3
"""Watch mode: from a list file's rename into INBOX to its job's first request.

`sluice watch` runs a large job that keeps --concurrency transfers in flight against
`sluice serve --latency 1s --jitter 500ms` (the jitter spreads the answers, so that slots
free all the time rather than in waves a second apart; a job dropped between two waves
would wait for a slot, not for the watcher); then list files of one URL each are renamed into
INBOX one by one, and a small HTTP server in this process notes when each one's request
arrives. Both times come from this process's monotonic clock. The same drops with an idle
watcher give the floor.
Usage: bench/watch_bench.py [--sluice build/release/tools/sluice/sluice] [--drops 50]
                            [--concurrency 5000]
"""
import argparse
import http.server
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request


class Server:
    """`sluice serve` with 1 s ± 0.5 s answers."""

    def __init__(self, sluice):
        self.process = subprocess.Popen([sluice, "serve", "--port", "0", "--latency", "1s",
                                         "--jitter", "500ms"], stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            raise SystemExit(f"server did not start: {first!r}")
        self.base = first.removeprefix("listening on ")

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Probe(http.server.ThreadingHTTPServer):
    """Answers every GET with 200 and notes when each ?drop=K arrived."""
    daemon_threads = True

    def __init__(self):
        self.arrivals = {}
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), ProbeHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def wait_for(self, drop, limit):
        with self.arrived:
            self.arrived.wait_for(lambda: drop in self.arrivals, timeout=limit)
            return self.arrivals.get(drop)


class ProbeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        now = time.monotonic()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with self.server.arrived:
            self.server.arrivals.setdefault(query["drop"][0], now)
            self.server.arrived.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def in_flight(server):
    with urllib.request.urlopen(server.base + "/_stats", timeout=5) as answer:
        return json.load(answer)["in_flight"]


def drops(inbox, probe, count, label, server=None):
    """Renames `count` one-URL lists into INBOX; returns the latencies in ms."""
    port = probe.server_address[1]
    latencies, in_flight_samples = [], []
    rng = random.Random(7)
    for k in range(count):
        drop = f"{label}-{k}"
        hidden = os.path.join(inbox, f".{drop}.txt")
        with open(hidden, "w") as out:
            out.write(f"http://127.0.0.1:{port}/probe?drop={drop}\n")
        if server is not None:
            in_flight_samples.append(in_flight(server))
        renamed = time.monotonic()
        os.rename(hidden, os.path.join(inbox, f"{drop}.txt"))
        arrived = probe.wait_for(drop, 10)
        if arrived is None:
            raise SystemExit(f"drop {drop}: no request within 10 s")
        latencies.append((arrived - renamed) * 1000)
        time.sleep(rng.uniform(0.05, 0.15))  # drops apart, at no fixed phase of the load
    return latencies, in_flight_samples


def report(label, latencies, in_flight_samples):
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    extra = ""
    if in_flight_samples:
        extra = (f"  in flight at the drops: median {statistics.median(in_flight_samples):.0f},"
                 f" least {min(in_flight_samples)}")
    print(f"{label:22} drops {len(ordered):3}  p50 {statistics.median(ordered):6.2f} ms"
          f"  p99 {p99:6.2f} ms  max {ordered[-1]:6.2f} ms{extra}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--drops", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=5000)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    workdir = tempfile.mkdtemp(prefix="watch-bench-")
    inbox, outbox = os.path.join(workdir, "in"), os.path.join(workdir, "out")
    os.mkdir(inbox)
    server, probe = Server(args.sluice), Probe()
    watch = subprocess.Popen([args.sluice, "watch", inbox, "--out", outbox, "-q", "--grace", "0",
                              "-c", str(args.concurrency)])
    try:
        time.sleep(0.5)
        report("idle watcher", *drops(inbox, probe, args.drops, "idle"))
        with open(os.path.join(inbox, ".large.txt"), "w") as out:
            out.write(f"{server.base}/todos/{{1..10000000}}\n")
        os.rename(os.path.join(inbox, ".large.txt"), os.path.join(inbox, "large.txt"))
        deadline = time.monotonic() + 30
        while in_flight(server) < 0.98 * args.concurrency:
            if time.monotonic() > deadline:
                raise SystemExit("the large job did not fill the slots within 30 s")
            time.sleep(0.2)
        time.sleep(5)  # a few rounds, so that the jitter has spread the answers
        report(f"{args.concurrency} in flight",
               *drops(inbox, probe, args.drops, "busy", server))
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=60)
        server.close()
        probe.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
