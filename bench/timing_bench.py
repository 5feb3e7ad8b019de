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

Each line ends with "claim holds" or "CLAIM FAILS", and the load average, since the two cores
may be shared. Results go to docs/benchmarks.md ("Timing claims").
Usage: bench/timing_bench.py [--build build/release] [--only abort,fetchers,ticks]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

from fetch_bench import Server


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--only", default="abort,fetchers,ticks")
    args = parser.parse_args()
    benches = {"abort": abort, "fetchers": fetchers, "ticks": ticks}
    for name in args.only.split(","):
        benches[name](args.build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
