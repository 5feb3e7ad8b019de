#!/usr/bin/env python3
"""The article's three pictures, from real runs against `sluice serve` on loopback: the 10 slots
of list (e) under chunks + a barrier and under a queue + N workers (a Gantt chart), the barrier's
arrivals in the 205-URL hang, and the requests at once over time for the two textbook designs
and sluice. Each Python example runs unchanged in a child whose module-level fetch (and, for
the hang, threading.Barrier) is wrapped to log when each request starts and ends.
Writes docs/img/article_{slots,barrier,in_flight}.{ru,en}.png (labels in each article's
language) and the logged runs beside them as article_runs.json; needs gnuplot (gnuplot-nox).
Usage: bench/article_plots.py [--sluice build/dev/tools/sluice/sluice] [--replot-only]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

from fetch_bench import Server

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples", "python")
IMG = os.path.join(HERE, "..", "docs", "img")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-requests and python3-aiohttp
N = 10
LATENCIES_MS = [500] * 20 + [50] * 180  # list (e) of bench/fetch_bench.py

# Runs examples/python/MODULE.py's main() with its fetch wrapped: every request logs
# {"slot", "start", "end"} (seconds since the run began) as a JSON line to LOG, flushed at once,
# and every barrier arrival logs {"party", "arrive"} and, if it is ever released, {"release"}.
# A slot is the thread or the asyncio task that made the request, numbered as first seen.
WRAPPER = r"""
import asyncio, json, sys, threading, time
sys.path.insert(0, sys.argv[1])
module = __import__(sys.argv[2])
log = open(sys.argv[3], "w", buffering=1)
t0 = time.monotonic()
slots = {}
lock = threading.Lock()

def slot_of(key):
    with lock:
        return slots.setdefault(key, len(slots))

def write(**fields):
    with lock:
        log.write(json.dumps(fields) + "\n")

inner = module.fetch
if asyncio.iscoroutinefunction(inner):
    async def fetch(*args):
        slot, start = slot_of(asyncio.current_task()), time.monotonic() - t0
        result = await inner(*args)
        write(slot=slot, start=start, end=time.monotonic() - t0)
        return result
else:
    def fetch(*args):
        slot, start = slot_of(threading.get_ident()), time.monotonic() - t0
        result = inner(*args)
        write(slot=slot, start=start, end=time.monotonic() - t0)
        return result
module.fetch = fetch

class LoggedBarrier(threading.Barrier):
    def wait(self, timeout=None):
        main = threading.current_thread() is threading.main_thread()
        party = "main" if main else slot_of(threading.get_ident())
        write(party=party, arrive=time.monotonic() - t0)
        index = super().wait(timeout)
        write(party=party, release=time.monotonic() - t0)
        return index
threading.Barrier = LoggedBarrier  # the class statement above already took the original
sys.argv = [sys.argv[2]] + sys.argv[4:]
module.main()
"""


def logged_run(sluice, design, urls, hang=False):
    """The JSON lines a wrapped run of `design` logged on list `urls` (one per line)."""
    server = Server(sluice)
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as log:
        child = subprocess.Popen([PYTHON, "-B", "-c", WRAPPER, EXAMPLES, design, log.name, "-",
                                  str(N)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 text=True)
        child.stdin.write("".join(url.format(base=server.base) + "\n" for url in urls))
        child.stdin.close()
        try:
            child.wait(timeout=60 if not hang else 0)
        except subprocess.TimeoutExpired:
            pass
        if hang:
            # Every URL answered and every party arrived: a run still going 2 s later is stuck.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                lines = [json.loads(line) for line in open(log.name) if line.strip()]
                if sum("arrive" in line for line in lines) == N + 2:
                    break
                time.sleep(0.1)
            time.sleep(2)
            child.kill()
            child.wait()
        server.close()
        return [json.loads(line) for line in open(log.name) if line.strip()]


def sluice_in_flight(sluice, urls):
    """(t seconds, requests at once) of `sluice -c N` on `urls`, from --stats-log every 100 ms."""
    server = Server(sluice)
    with tempfile.TemporaryDirectory() as folder:
        listing, stats = os.path.join(folder, "urls"), os.path.join(folder, "stats.jsonl")
        with open(listing, "w") as out:
            out.writelines(url.format(base=server.base) + "\n" for url in urls)
        subprocess.run([sluice, "-q", "-c", str(N), "@" + listing, "--stats-log", stats],
                       check=True, stdout=subprocess.DEVNULL)
        server.close()
        return [(0.0, 0)] + [(line["t_ms"] / 1000, line["in_flight"])
                             for line in map(json.loads, open(stats))]


def in_flight_steps(requests):
    """(t, requests at once) after each start and end of `requests`."""
    events = sorted([(r["start"], 1) for r in requests] + [(r["end"], -1) for r in requests])
    steps, now = [(0.0, 0)], 0
    for t, change in events:
        now += change
        steps.append((t, now))
    return steps


LABELS = {
    "ru": {
        "slots_title": "Список (e), 10 слотов: каждый прямоугольник — запрос",
        "chunks": "куски + барьер (threads_barrier_fetch.py)",
        "queue": "очередь + 10 рабочих (pool_fetch.py)",
        "time": "время, с", "slot": "слот",
        "barrier_title": "205 URL, барьер на 11 участников: 12 прибытий",
        "party": "участник", "main": "главный",
        "waits": "ждёт на барьере", "stuck": "ждёт вечно",
        "in_flight_title": "Одновременные запросы на списке (e)",
        "at_once": "запросов одновременно",
        "sluice": "sluice -c 10 (цикл событий)",
        "permits": "разрешение на кусок (async_semaphore_fetch.py)",
    },
    "en": {
        "slots_title": "List (e), 10 slots: each box is a request",
        "chunks": "chunks + barrier (threads_barrier_fetch.py)",
        "queue": "queue + 10 workers (pool_fetch.py)",
        "time": "time, s", "slot": "slot",
        "barrier_title": "205 URLs, a barrier of 11 parties: 12 arrivals",
        "party": "party", "main": "main",
        "waits": "waits at the barrier", "stuck": "waits forever",
        "in_flight_title": "Requests at once on list (e)",
        "at_once": "requests at once",
        "sluice": "sluice -c 10 (event loop)",
        "permits": "permit per chunk (async_semaphore_fetch.py)",
    },
}


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def write_rows(path, rows):
    with open(path, "w") as out:
        out.writelines("\t".join(str(x) for x in row) + "\n" for row in rows)


def plot(runs, lang, folder):
    words = LABELS[lang]
    requests = {name: [r for r in runs[name] if "start" in r] for name in ("chunks", "queue",
                                                                          "permits")}
    term = "set terminal pngcairo noenhanced size 900,{h} font 'DejaVu Sans,10'\n"
    # Gantt: one box per request, the two designs side by side on one time axis.
    for name in ("chunks", "queue"):
        write_rows(os.path.join(folder, f"{name}.tsv"),
                   [(r["start"], r["end"], r["slot"]) for r in requests[name]])
    # One time axis for both, so that the queue's 2 s stand beside the chunks' 10.
    longest = max(r["end"] for r in requests["chunks"] + requests["queue"]) + 0.2
    gnuplot(term.format(h=560) + f"""
set output '{IMG}/article_slots.{lang}.png'
set multiplot layout 2,1 title "{words['slots_title']}"
set xlabel "{words['time']}"; set ylabel "{words['slot']}"
set yrange [-0.7:9.7]; set ytics 0,1,9; set xrange [0:{longest:.1f}]; set grid xtics
set style fill solid 0.6 border lc rgb '#333333'
set title "{words['chunks']}"
plot '{folder}/chunks.tsv' using (($1+$2)/2):3:(($2-$1)/2):(0.35) with boxxyerror lc rgb '#c0504d' notitle
set title "{words['queue']}"
plot '{folder}/queue.tsv' using (($1+$2)/2):3:(($2-$1)/2):(0.35) with boxxyerror lc rgb '#4f81bd' notitle
unset multiplot
""")
    # The barrier: each party's wait, from its arrival to its release or to the run's end.
    arrivals = {line["party"]: line["arrive"] for line in runs["hang"] if "arrive" in line}
    releases = {line["party"]: line["release"] for line in runs["hang"] if "release" in line}
    end = max(arrivals.values()) + 1  # the stuck wait goes on past the plot
    order = sorted(arrivals, key=lambda p: arrivals[p])
    rows = []
    for row, party in enumerate(order):
        released = party in releases
        label = words["main"] if party == "main" else str(party)
        rows.append((arrivals[party], releases.get(party, end), row, label, 1 if released else 2))
    write_rows(os.path.join(folder, "barrier.tsv"), rows)
    gnuplot(term.format(h=420) + f"""
set output '{IMG}/article_barrier.{lang}.png'
set title "{words['barrier_title']}"
set xlabel "{words['time']}"; set ylabel "{words['party']}"
set yrange [-0.7:{len(rows) - 0.3}]; set xrange [0:{end:.1f}]; set grid xtics
set key top left
set style fill solid 0.6
plot '{folder}/barrier.tsv' using (($1+$2)/2):($5==1?$3:1/0):(($2-$1)/2):(0.3) with boxxyerror lc rgb '#9bbb59' title "{words['waits']}", \\
     '' using (($1+$2)/2):($5==2?$3:1/0):(($2-$1)/2):(0.3) with boxxyerror lc rgb '#c0504d' title "{words['stuck']}", \\
     '' using 1:3:ytic(4) with points pt 7 ps 0.8 lc rgb '#333333' notitle
""")
    # Requests at once over time.
    write_rows(os.path.join(folder, "chunks_in_flight.tsv"), in_flight_steps(requests["chunks"]))
    write_rows(os.path.join(folder, "permits_in_flight.tsv"), in_flight_steps(requests["permits"]))
    write_rows(os.path.join(folder, "sluice_in_flight.tsv"), runs["sluice"])
    gnuplot(term.format(h=380) + f"""
set output '{IMG}/article_in_flight.{lang}.png'
set title "{words['in_flight_title']}"
set xlabel "{words['time']}"; set ylabel "{words['at_once']}"
set yrange [0:12]; set xrange [0:*]; set grid; set key top right
plot '{folder}/chunks_in_flight.tsv' using 1:2 with steps lw 2 lc rgb '#c0504d' title "{words['chunks']}", \\
     '{folder}/permits_in_flight.tsv' using 1:2 with steps lw 2 dt 2 lc rgb '#8064a2' title "{words['permits']}", \\
     '{folder}/sluice_in_flight.tsv' using 1:2 with steps lw 2 lc rgb '#4f81bd' title "{words['sluice']}"
""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default=os.path.join(HERE, "..", "build", "dev", "tools",
                                                         "sluice", "sluice"))
    parser.add_argument("--replot-only", action="store_true",
                        help="redraw from docs/img/article_runs.json without running anything")
    args = parser.parse_args()
    saved = os.path.join(IMG, "article_runs.json")
    if args.replot_only:
        with open(saved) as source:
            runs = json.load(source)
    else:
        list_e = [f"{{base}}/todos/{i + 1}?delay={ms}ms" for i, ms in enumerate(LATENCIES_MS)]
        runs = {
            "chunks": logged_run(args.sluice, "threads_barrier_fetch", list_e),
            "queue": logged_run(args.sluice, "pool_fetch", list_e),
            "permits": logged_run(args.sluice, "async_semaphore_fetch", list_e),
            "hang": logged_run(args.sluice, "threads_barrier_fetch",
                               [f"{{base}}/todos/{i + 1}?delay=50ms" for i in range(205)],
                               hang=True),
            "sluice": sluice_in_flight(args.sluice, list_e),
        }
        with open(saved, "w") as out:
            json.dump(runs, out)
    with tempfile.TemporaryDirectory() as folder:
        for lang in LABELS:
            plot(runs, lang, folder)


if __name__ == "__main__":
    main()
