#!/usr/bin/env python3
"""The Python designs of examples/python/ on list (e) of bench/fetch_bench.py: 200 URLs, the
first 10 % at 500 ms and the rest at 50 ms, N = 10, against `sluice serve` on loopback.

The textbook designs cut the list into chunks of 20, so one chunk holds all 20 slow URLs and
fetches them one after another (about 10 s); the right forms hand each worker the next URL as
it frees up and come near the ideal, the makespan of a zero-overhead scheduler with N slots
(1.9 s). ExamplesPythonTest checks what the server saw; the times and ratios are here.
For each design it prints the wall time the program measured itself (interpreter start-up
and imports left out; the best of --repeat runs), its ratio to the ideal, the connections and
the peak of requests in flight the server saw, and the load average.
Usage: bench/python_designs_bench.py [--sluice build/release/tools/sluice/sluice] [--repeat 2]
"""
import argparse
import json
import os
import subprocess

from fetch_bench import Server, ideal_makespan

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python")
# Debian's Python, the one python3-requests and python3-aiohttp are installed for.
PYTHON = "/usr/bin/python3"
DESIGNS = ["threads_barrier_fetch", "async_semaphore_fetch", "pool_fetch",
           "async_per_request_fetch", "async_queue_fetch"]
N = 10
LATENCIES_MS = [500] * 20 + [50] * 180  # list (e)


def run_once(sluice, design):
    """(elapsed seconds as the program measured it, connections, peak in flight)."""
    server = Server(sluice)
    try:
        urls = "".join(f"{server.base}/todos/{i + 1}?delay={ms}ms\n"
                       for i, ms in enumerate(LATENCIES_MS))
        done = subprocess.run([PYTHON, "-B", os.path.join(EXAMPLES, f"{design}.py"), "-", str(N)],
                              input=urls, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"{design} failed ({done.returncode}): {done.stderr}")
        summary = json.loads(done.stdout.splitlines()[-1])
        if summary["fetched"] != len(LATENCIES_MS):
            raise SystemExit(f"{design} fetched {summary['fetched']} of {len(LATENCIES_MS)}")
        stats = server.stats()
        # The stats request came on a connection of its own.
        return summary["elapsed_s"], stats["connections"] - 1, stats["peak_in_flight"]
    finally:
        server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sluice = os.path.abspath(args.sluice)
    ideal = ideal_makespan([ms / 1000 for ms in LATENCIES_MS], N)
    print(f"list (e): {len(LATENCIES_MS)} URLs, first 10 % at 500 ms, rest 50 ms; N = {N}; "
          f"ideal {ideal:.2f} s")
    print("| design | wall | wall / ideal | connections | peak in flight |")
    print("|---|---|---|---|---|")
    for design in DESIGNS:
        runs = [run_once(sluice, design) for _ in range(args.repeat)]
        wall, connections, peak = min(runs)
        print(f"| `{design}.py` | {wall:.2f} s | {wall / ideal:.2f} | {connections} | {peak} |",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
