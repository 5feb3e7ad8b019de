#!/usr/bin/env python3
"""The Python module sluice (fetch and afetch) beside the right Python designs of
examples/python/ (aiohttp with a semaphore per request, aiohttp with N worker tasks, a pool of
requests threads) on cases (a) and (c) of bench/fetch_bench.py, against `sluice serve`.

Every design is the same kind of program: URLs on stdin, N as its argument, one JSON line
{"fetched", "urls", "elapsed_s"} out, the elapsed time measured by the program itself
(interpreter start-up and imports left out). For each it prints that time (the best of
--repeat runs), its ratio to the ideal, CPU seconds and peak RSS of the whole process (GNU
time), and the connections and the peak of requests in flight the server saw.
--python must import sluice, aiohttp and requests: a venv of /usr/bin/python3 made with
--system-site-packages, into which `pip install .` put sluice (as .ci/python does).
Usage: bench/python_bench.py --python VENV/bin/python [--sluice build/release/tools/sluice/sluice]
       [--cases a,c] [--repeat 2]
"""
import argparse
import json
import os
import subprocess
import tempfile

from fetch_bench import Server, cases, ideal_makespan

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python")

# The module's two forms as programs of the examples' shape.
SLUICE_FETCH = """
import json, sys, time
import sluice
urls = [line.strip() for line in sys.stdin if line.strip()]
start = time.monotonic()
fetched = sum(1 for record in sluice.fetch(urls, concurrency=int(sys.argv[1])) if record["ok"])
print(json.dumps({"fetched": fetched, "urls": len(urls),
                  "elapsed_s": round(time.monotonic() - start, 3)}))
"""
SLUICE_AFETCH = """
import asyncio, json, sys, time
import sluice
urls = [line.strip() for line in sys.stdin if line.strip()]
async def run():
    return sum([1 async for record in sluice.afetch(urls, concurrency=int(sys.argv[1]))
                if record["ok"]])
start = time.monotonic()
fetched = asyncio.run(run())
print(json.dumps({"fetched": fetched, "urls": len(urls),
                  "elapsed_s": round(time.monotonic() - start, 3)}))
"""

DESIGNS = [
    ("sluice.fetch", ["-c", SLUICE_FETCH]),
    ("sluice.afetch", ["-c", SLUICE_AFETCH]),
    ("aiohttp, semaphore per request", [os.path.join(EXAMPLES, "async_per_request_fetch.py"), "-"]),
    ("aiohttp, N worker tasks", [os.path.join(EXAMPLES, "async_queue_fetch.py"), "-"]),
    ("requests, pool of N threads", [os.path.join(EXAMPLES, "pool_fetch.py"), "-"]),
]


def run_once(python, sluice, case, program):
    """(elapsed s as the program measured it, CPU s, peak RSS MiB, connections, peak in flight)."""
    server = Server(sluice)
    try:
        urls = "".join(f"{server.base}{path}\n" for path in case.paths)
        with tempfile.NamedTemporaryFile("r") as report:
            done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%U %S %M",
                                   python, "-B", *program, str(case.c)],
                                  input=urls, capture_output=True, text=True, timeout=600)
            user, system, rss_kb = report.read().split()[-3:]
        if done.returncode != 0:
            raise SystemExit(f"{program[-1]} failed ({done.returncode}): {done.stderr[-2000:]}")
        summary = json.loads(done.stdout.splitlines()[-1])
        if summary["fetched"] != len(case.paths):
            raise SystemExit(f"{program} fetched {summary['fetched']} of {len(case.paths)}")
        stats = server.stats()
        # The stats request came on a connection of its own.
        return (summary["elapsed_s"], float(user) + float(system), int(rss_kb) / 1024,
                stats["connections"] - 1, stats["peak_in_flight"])
    finally:
        server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True, help="an interpreter that imports sluice")
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--cases", default="a,c")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sluice = os.path.abspath(args.sluice)
    table = cases()
    for key in args.cases.split(","):
        case = table[key]
        ideal = ideal_makespan(case.latencies, case.c)
        print(f"\ncase ({key}) {case.title}; ideal {ideal:.2f} s")
        print("| design | wall | wall / ideal | CPU | peak RSS | connections | peak in flight |")
        print("|---|---|---|---|---|---|---|")
        for name, program in DESIGNS:
            runs = [run_once(args.python, sluice, case, program) for _ in range(args.repeat)]
            wall, cpu, rss, connections, peak = min(runs)
            ratio = f"{wall / ideal:.2f}" if ideal > 0 else "–"
            print(f"| {name} | {wall:.2f} s | {ratio} | {cpu:.2f} s | {rss:.0f} MiB "
                  f"| {connections} | {peak} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
