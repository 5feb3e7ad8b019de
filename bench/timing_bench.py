#!/usr/bin/env python3
"""The timing claims that the tests leave out, measured: a busy machine may stretch any of
them, so a test that asserted them could fail without a defect (issue 12).

  abort     the time from a second Ctrl-C to the exit of `sluice` whose transfers wait on a
            quiet server: the thread engine's workers must not wait for libcurl's once-a-
            second look at its progress callback (FetchTest.AnAbortEndsTransfersWaitingOnA-
            QuietServer tests that they are cancelled, not how soon).
  fetchers  examples/threads_barrier_fetch.cpp against examples/pool_fetch.cpp on 60 URLs at
            50 ms, 6 of them at 500 ms, 6 threads: slow URLs clustered at the head (the
            slices lag the queue: expected ratio about 3.4) and spread one per slice (they
            keep up: ratio near 1). Each run is the faster of two.
  ticks     examples/tick_lateness.cpp: a tick on a thread of its own is less late (p50, p99)
            than the same tick as a timer on the busy event loop.
  server    the test server's knobs are not slower than configured: --bandwidth paces one
            connection and four at once at the rate (ServerKnobsTest checks they are not
            faster), --capacity queues only the excess, and its p50 and p99 are the delays
            plus little (ServerKnobsTest checks they are at least the delays).
  statslog  --stats-log's lines, due every 100 ms on a fixed grid, come on time: the first
            before 200 ms, none more than 100 ms late (BindingCliTest checks that none comes
            before it is due).

Each line ends with "claim holds" or "CLAIM FAILS", and the load average, since the two cores
may be shared. Results go to docs/benchmarks.md ("Timing claims").
Usage: bench/timing_bench.py [--build build/release] [--only abort,fetchers,ticks,server,statslog]
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from fetch_bench import Server
from flow_bench import Server as ServerWith


def load():
    return f"load {os.getloadavg()[0]:.1f}"


def verdict(holds):
    return "claim holds" if holds else "CLAIM FAILS"


def wait_for(condition, limit):
    """Polls condition every 10 ms until it holds or `limit` seconds pass; returns it."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() >= give_up:
            return False
        time.sleep(0.01)
    return True


def abort(build):
    sluice = f"{build}/tools/sluice/sluice"
    for engine in ("loop", "threads"):
        server = Server(sluice)
        try:
            run = subprocess.Popen(
                [sluice, "-q", "-c", "4", "--engine", engine, "--results", "/dev/null",
                 f"{server.base}/todos/{{1..4}}?delay=20s"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for(lambda: server.stats()["in_flight"] >= 4, 10)
            # Past the connections' early timers: from here libcurl wakes once a second.
            time.sleep(1.5)
            run.send_signal(signal.SIGINT)
            time.sleep(0.2)  # the first signal is handled before the second comes
            second = time.monotonic()
            run.send_signal(signal.SIGINT)
            run.wait(timeout=30)
            took_ms = (time.monotonic() - second) * 1000
            print(f"abort     {engine:8} second Ctrl-C to exit {took_ms:7.1f} ms"
                  f"  (under 250 ms: {verdict(took_ms < 250)})  {load()}", flush=True)
        finally:
            server.close()


def fastest_run(program, threads, urls):
    best = None
    for _ in range(2):
        started = time.monotonic()
        subprocess.run([program, "-", str(threads)], input=urls, text=True, check=True,
                       stdout=subprocess.DEVNULL)
        took = time.monotonic() - started
        best = took if best is None else min(best, took)
    return best


def fetchers(build):
    sluice = f"{build}/tools/sluice/sluice"
    server = subprocess.Popen([sluice, "serve", "--port", "0", "--latency", "50ms"],
                              stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip().removeprefix("listening on ")
        lists = {"clustered": lambda i: i < 6, "spread": lambda i: i % 10 == 0}
        for name, slow in lists.items():
            urls = "".join(f"{base}/todos/{i + 1}{'?delay=500ms' if slow(i) else ''}\n"
                           for i in range(60))
            slices = fastest_run(f"{build}/examples/example_threads_barrier_fetch", 6, urls)
            pool = fastest_run(f"{build}/examples/example_pool_fetch", 6, urls)
            ratio = slices / pool
            holds = ratio > 1.3 if name == "clustered" else 1 / 1.3 < ratio < 1.3
            claim = "over 1.3" if name == "clustered" else "within 1.3x"
            print(f"fetchers  {name:9} slices {slices:5.2f} s  pool {pool:5.2f} s  ratio "
                  f"{ratio:4.2f}  ({claim}: {verdict(holds)})  {load()}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


def ticks(build):
    for body_kib in ("256", "1024"):
        out = subprocess.run([f"{build}/examples/example_tick_lateness", "3", body_kib],
                             capture_output=True, text=True, check=True).stdout
        rows = {}
        for variant in ("loop timer", "own thread"):
            match = re.search(variant + r" +\d+ +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+)\n", out)
            rows[variant] = [float(value) for value in match.groups()]
        loop, thread = rows["loop timer"], rows["own thread"]
        holds = thread[0] < loop[0] and thread[1] < loop[1]
        print(f"ticks     {body_kib:>4} KiB  p50/p99 loop {loop[0]:6.2f}/{loop[1]:6.2f} ms"
              f"  thread {thread[0]:6.2f}/{thread[1]:6.2f} ms"
              f"  (thread less late: {verdict(holds)})  {load()}", flush=True)


def timed_get(url):
    """GETs `url` on a connection of its own; returns (seconds, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        size = len(connection.getresponse().read())
    finally:
        connection.close()
    return time.monotonic() - started, size


def timed_together(urls):
    """GETs all `urls` at once; returns the time until the last ended, and each one's."""
    started = time.monotonic()
    with ThreadPoolExecutor(len(urls)) as pool:
        each = [took for took, _ in pool.map(timed_get, urls)]
    return time.monotonic() - started, each


def server(build):
    sluice = f"{build}/tools/sluice/sluice"
    with ServerWith(sluice, "--bandwidth", "1000000") as paced:
        took, size = timed_get(f"{paced.base}/bytes/2000000")
        print(f"server    --bandwidth 1 MB/s, 2 MB on one connection {took * 1000:6.0f} ms"
              f"  (1800-3000 ms: {verdict(1.8 <= took <= 3.0 and size == 2000000)})  {load()}",
              flush=True)
    with ServerWith(sluice, "--bandwidth", "500000") as paced:
        took, _ = timed_together([f"{paced.base}/bytes/500000"] * 4)
        print(f"server    --bandwidth 500 kB/s, 500 kB on each of 4 at once {took * 1000:6.0f} ms"
              f"  (under 2000 ms: {verdict(took <= 2.0)})  {load()}", flush=True)
    with ServerWith(sluice, "--latency", "100ms", "--capacity", "5") as queued:
        _, each = timed_together([f"{queued.base}/todos/1"] * 10)
        stats = queued.stats()
        holds = (min(each) < 0.18 and max(each) < 0.6 and stats["p50_ms"] < 150
                 and stats["p99_ms"] < 300)
        print(f"server    --capacity 5 --latency 100ms, 10 at once: fastest {min(each) * 1000:4.0f}"
              f" ms, slowest {max(each) * 1000:4.0f} ms, server p50/p99 {stats['p50_ms']}/"
              f"{stats['p99_ms']} ms  (under 180, 600, 150/300: {verdict(holds)})  {load()}",
              flush=True)
    with ServerWith(sluice, "--latency", "50ms") as delayed:
        for _ in range(5):
            timed_get(f"{delayed.base}/todos/1")
        timed_get(f"{delayed.base}/todos/1?delay=300ms")
        stats = delayed.stats()
        holds = stats["p50_ms"] < 80 and stats["p99_ms"] < 350
        print(f"server    --latency 50ms, 5 answers and one of 300 ms: p50/p99 {stats['p50_ms']}/"
              f"{stats['p99_ms']} ms  (under 80/350: {verdict(holds)})  {load()}", flush=True)


def statslog(build):
    sluice = f"{build}/tools/sluice/sluice"
    for _ in range(3):
        with ServerWith(sluice, "--latency", "20ms") as delayed, \
                tempfile.NamedTemporaryFile(suffix=".jsonl") as stats_log:
            subprocess.run([sluice, "-q", "-c", "5", "--results", "/dev/null", "--stats-log",
                            stats_log.name, f"{delayed.base}/todos/{{1..100}}"], check=True)
            with open(stats_log.name) as lines:
                t_ms = [json.loads(line)["t_ms"] for line in lines]
            # The last line is written when the run ends, off the grid.
            late = max(t - 100 * (k + 1) for k, t in enumerate(t_ms[:-1]))
            holds = t_ms[0] < 200 and late < 100
            print(f"statslog  {len(t_ms)} lines, the first at {t_ms[0]} ms, the latest {late} ms"
                  f" after it was due  (under 200 and 100: {verdict(holds)})  {load()}",
                  flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--only", default="abort,fetchers,ticks,server,statslog")
    args = parser.parse_args()
    benches = {"abort": abort, "fetchers": fetchers, "ticks": ticks, "server": server,
               "statslog": statslog}
    for name in args.only.split(","):
        benches[name](args.build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
