#!/usr/bin/env python3
"""Flow control as the server sees it: bandwidth caps, request rates and -c auto.

Against a fresh local `sluice serve` per run (so every server-side counter belongs to one
run) it measures:
  bandwidth  10 parallel transfers at --max-bandwidth 5M, 20M, 50M (and none), both engines,
             from the server's bins of bytes the client's kernel acknowledged per 100 ms;
  rate       --rate 20/s, 100/s, 500/s, both engines, from the server's bins of request
             arrivals per 100 ms;
  burst      the wire under --max-bandwidth 20M with the default bucket (20 ms deep) and with
             one a second deep (--bandwidth-burst 20M): its busiest 100 ms, 300 ms and 1 s, and a
             plot of both runs' bytes acknowledged per 100 ms (docs/img/bandwidth_wire.svg,
             its columns beside it as bandwidth_wire.tsv);
  auto       -c auto against `sluice serve --capacity 50 --latency 50ms` beside a sweep of
             fixed -c, and a plot of its --stats-log (limit, in flight, throughput, latency
             over time) drawn by gnuplot (Debian package gnuplot-nox).
Prints Markdown tables on standard output and progress on standard error; the plot's
data stay beside it (adaptive_concurrency.stats.jsonl, the raw log, and .tsv, its columns).
Usage: bench/flow_bench.py [--sluice build/release/tools/sluice/sluice] [--quick] [--parts ...]
       bench/flow_bench.py --plot-only STATS_LOG   (draws the -c auto plot from a log)
       bench/flow_bench.py --wire-plot-only TSV    (draws the wire plot from its columns)
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ENGINES = ("loop", "threads")
BIN_S = 0.1  # the width of the server's bins
TRANSFERS = 10
CAPACITY = 50  # the -c auto server's workers
LATENCY_MS = 50  # and its service time
SWEEP = (10, 25, 50, 75, 100, 200)


def log(text):
    print(text, file=sys.stderr, flush=True)


def parse_size(text):
    """Bytes in "20M" as sluice reads it: k, M and G are powers of 1024."""
    units = {"k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    try:
        if text[-1:] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise SystemExit(f"not a size: {text!r} (e.g. 20M)") from None


class Server:
    """`sluice serve --port 0 OPTIONS...`, stopped on leaving the with block."""

    def __init__(self, sluice, *options):
        self.process = subprocess.Popen([sluice, "serve", "--port", "0", *options],
                                        stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            self.process.kill()
            raise SystemExit(f"server did not start: {first!r}")
        self.base = first.removeprefix("listening on ")

    def stats(self):
        with urllib.request.urlopen(self.base + "/_stats", timeout=10) as answer:
            return json.load(answer)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=10)


def run_sluice(sluice, options, sources):
    """Runs one fetch; returns its summary (the --summary-json object)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as summary:
        command = [sluice, "-q", "--results", "/dev/null", "--summary-json", summary.name,
                   *options, *sources]
        code = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
        if code != 0:
            raise SystemExit(f"exit {code}: {' '.join(command)}")
        return json.load(summary)


def run_bins(bins):
    """The bins from the first one that is not empty: the run as the server saw it."""
    first = next((i for i, value in enumerate(bins) if value > 0), len(bins))
    return bins[first:]


def busiest(bins, width):
    """The largest sum of `width` consecutive bins."""
    return max((sum(bins[i:i + width]) for i in range(max(len(bins) - width + 1, 1))),
               default=0)


def percent(share):
    return f"{share * 100:.1f} %"


# --- bandwidth -------------------------------------------------------------------------


def acked_bins(args, cap_text, engine, extra, per_transfer):
    """Runs TRANSFERS parallel transfers of `per_transfer` bytes; returns the run's summary
    and the server's bins of acknowledged bytes."""
    options = ["--engine", engine, "-c", str(TRANSFERS), *extra]
    if cap_text != "none":
        options += ["--max-bandwidth", cap_text]
    with Server(args.sluice) as server:
        summary = run_sluice(args.sluice, options,
                             [f"{server.base}/bytes/{per_transfer}?n={{1..{TRANSFERS}}}"])
        # The server counts a connection's last bytes when it notices the close.
        time.sleep(0.3)
        return summary, run_bins(server.stats()["acked_bins_100ms"])


def bandwidth_run(args, cap_text, engine):
    cap = parse_size(cap_text) if cap_text != "none" else None
    # Each uncapped run moves as many bytes as the largest cap's run.
    rate = cap or max((parse_size(c) for c in args.caps.split(",") if c != "none"),
                      default=parse_size("50M"))
    per_transfer = int(rate * args.bandwidth_seconds / TRANSFERS)
    summary, bins = acked_bins(args, cap_text, engine, [], per_transfer)
    total = sum(bins)
    wall = summary["wall_ms"] / 1000
    if cap:
        # The last bin is partly empty, so the average counts the others only (as the tests
        # do).
        average = (total - bins[-1]) / (max(len(bins) - 1, 1) * BIN_S)
    else:
        average = total / wall  # an uncapped run may fit in a bin or two
    result = {"cap": cap_text, "engine": engine, "wall_s": wall,
              "bytes_acked": total, "bytes_expected": per_transfer * TRANSFERS,
              "average_mib_s": average / (1 << 20)}
    if cap:
        result |= {"average_of_cap": average / cap,
                   "busiest_1s_of_cap": busiest(bins, 10) / cap,
                   "busiest_300ms_of_cap": busiest(bins, 3) / (cap * 0.3)}
    return result


def bandwidth_table(results, args):
    print(f"### Bandwidth: {TRANSFERS} parallel transfers, {args.bandwidth_seconds:g} s of the "
          "cap each run\n")
    print("| cap | engine | wall | average | average / cap | busiest 1 s / cap "
          "| busiest 300 ms / cap |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        shares = [percent(r[k]) for k in ("average_of_cap", "busiest_1s_of_cap",
                                          "busiest_300ms_of_cap")] if "average_of_cap" in r \
            else ["–"] * 3
        print(f"| {r['cap']} | {r['engine']} | {r['wall_s']:.2f} s "
              f"| {r['average_mib_s']:.1f} MiB/s | {' | '.join(shares)} |")
    print()


# --- burst: the bucket's depth on the wire ---------------------------------------------

BURST_CAP = "20M"
# The bucket depths compared: sluice's default (20 ms of the cap) and a second of the cap.
BUCKETS = (("20 ms (default)", []), ("1 s", ["--bandwidth-burst", BURST_CAP]))


def burst_run(args, bucket, extra, engine):
    cap = parse_size(BURST_CAP)
    per_transfer = int(cap * args.bandwidth_seconds / TRANSFERS)
    summary, bins = acked_bins(args, BURST_CAP, engine, extra, per_transfer)
    shares = {f"busiest_{ms}ms_of_cap": busiest(bins, ms // 100) / (cap * ms / 1000)
              for ms in (100, 300, 1000)}
    # A bucket refilled continuously bursts only while it is full: at the start. After the
    # first second both depths should pace alike.
    later = bins[10:-1]
    return {"bucket": bucket, "engine": engine, "wall_s": summary["wall_ms"] / 1000,
            "bins": bins, "busiest_100ms_after_1s_of_cap":
                busiest(later, 1) / (cap * BIN_S) if later else None} | shares


def burst_table(results, args):
    print(f"### Bucket depth on the wire: --max-bandwidth {BURST_CAP}, {TRANSFERS} parallel "
          f"transfers, {args.bandwidth_seconds:g} s of the cap each run\n")
    print("| bucket | engine | wall | busiest 100 ms / cap | busiest 300 ms / cap "
          "| busiest 1 s / cap | busiest 100 ms after the first second |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        later = r["busiest_100ms_after_1s_of_cap"]
        print(f"| {r['bucket']} | {r['engine']} | {r['wall_s']:.2f} s "
              f"| {percent(r['busiest_100ms_of_cap'])} | {percent(r['busiest_300ms_of_cap'])} "
              f"| {percent(r['busiest_1000ms_of_cap'])} "
              f"| {percent(later) if later is not None else '–'} |")
    print()


def wire_data(results, data_path):
    """Writes one engine's runs as columns for gnuplot: the bin's start in seconds, then
    each bucket's MiB/s in that bin ("?" after a run ended)."""
    columns = [r["bins"] for r in results]
    with open(data_path, "w") as out:
        out.write(f"# engine {results[0]['engine']}, --max-bandwidth {BURST_CAP}; t_s, then "
                  "MiB/s acknowledged per 100 ms with the bucket: "
                  + "; ".join(r["bucket"] for r in results) + "\n")
        for i in range(max(len(c) for c in columns)):
            values = [f"{c[i] / BIN_S / (1 << 20):.3f}" if i < len(c) else "?" for c in columns]
            out.write(f"{i * BIN_S:.1f} {' '.join(values)}\n")


def draw_wire_plot(data_path, svg_path):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        raise SystemExit("gnuplot not found: apt-get install gnuplot-nox")
    with open(data_path) as data:
        header = data.readline()
    titles = header.split("bucket: ", 1)[1].strip().split("; ")
    engine = header.split(",")[0].removeprefix("# engine ")
    cap = parse_size(BURST_CAP) / (1 << 20)
    curves = ", \\\n     ".join(
        f"'{data_path}' using 1:{i + 2} with steps lw 2 title 'bucket {title}'"
        for i, title in enumerate(titles))
    title = (f"Bytes the client acknowledged per 100 ms (server side), sluice --engine {engine} "
             f"-c {TRANSFERS} --max-bandwidth {BURST_CAP}")
    script = f"""
set terminal svg size 900,450 dynamic font 'sans,12' background '#ffffff'
set output '{svg_path}'
set datafile missing '?'
set title '{title}'
set grid
set key top right
set xrange [0:*]
set yrange [0:*]
set xlabel 'seconds from the first acknowledged byte'
set ylabel 'MiB/s in each 100 ms'
plot {curves}, \\
     {cap:g} with lines dashtype 2 lc rgb '#777777' title 'the cap ({cap:g} MiB/s)'
"""
    subprocess.run([gnuplot], input=script, text=True, check=True)
    log(f"plot: {svg_path} (data {data_path})")


# --- rate ------------------------------------------------------------------------------


def rate_run(args, rate, engine):
    requests = max(int(rate * args.rate_seconds), 10)
    with Server(args.sluice) as server:
        summary = run_sluice(args.sluice, ["--engine", engine, "-c", "20", "--rate", f"{rate}/s"],
                             [f"{server.base}/todos/{{1..{requests}}}"])
        bins = run_bins(server.stats()["request_bins_100ms"])
    wall = summary["wall_ms"] / 1000
    # The bucket holds one request: n starts need n - 1 intervals of 1 / rate.
    return {"rate": rate, "engine": engine, "requests": requests, "arrived": sum(bins),
            "wall_s": wall, "ideal_s": (requests - 1) / rate,
            "starts_per_s": (requests - 1) / wall, "busiest_1s": busiest(bins, 10),
            "busiest_100ms": busiest(bins, 1)}


def rate_table(results):
    print("### Rate: request starts per second, arrivals counted by the server\n")
    print("| --rate | engine | requests | wall (ideal) | starts/s | of the rate "
          "| busiest 1 s at the server | busiest 100 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rate']}/s | {r['engine']} | {r['requests']} "
              f"| {r['wall_s']:.2f} s ({r['ideal_s']:.2f} s) | {r['starts_per_s']:.1f} "
              f"| {percent(r['starts_per_s'] / r['rate'])} | {r['busiest_1s']} "
              f"| {r['busiest_100ms']} |")
    print()


# --- -c auto ---------------------------------------------------------------------------


def capacity_server(args):
    return Server(args.sluice, "--capacity", str(CAPACITY), "--latency", f"{LATENCY_MS}ms")


def fixed_run(args, engine, c):
    # About auto_seconds / 2.5 of work at the rate c slots can reach on this server.
    ceiling = min(c, CAPACITY) / (LATENCY_MS / 1000)
    urls = int(ceiling * args.auto_seconds / 2.5)
    with capacity_server(args) as server:
        summary = run_sluice(args.sluice, ["--engine", engine, "-c", str(c)],
                             [f"{server.base}/todos/{{1..{urls}}}"])
        stats = server.stats()
    return {"c": c, "engine": engine, "urls": urls,
            "req_per_s": urls / (summary["wall_ms"] / 1000), "server_p99_ms": stats["p99_ms"],
            "overloaded": stats["overloaded"]}


def auto_run(args, engine, stats_log):
    urls = int(CAPACITY / (LATENCY_MS / 1000) * args.auto_seconds)
    options = ["--engine", engine, "-c", "auto"]
    if stats_log:
        options += ["--stats-log", stats_log]
    with capacity_server(args) as server:
        summary = run_sluice(args.sluice, options, [f"{server.base}/todos/{{1..{urls}}}"])
        stats = server.stats()
    return {"c": "auto", "engine": engine, "urls": urls,
            "req_per_s": urls / (summary["wall_ms"] / 1000), "server_p99_ms": stats["p99_ms"],
            "overloaded": stats["overloaded"], "final_limit": summary["final_limit"]}


def auto_table(results):
    print(f"### -c auto against `sluice serve --capacity {CAPACITY} --latency {LATENCY_MS}ms`\n")
    print("| engine | -c auto | final cap | server p99 | best fixed -c | its server p99 "
          "| auto / best |")
    print("|---|---|---|---|---|---|---|")
    for engine in ENGINES:
        auto = next((r for r in results if r["engine"] == engine and r["c"] == "auto"), None)
        fixed = [r for r in results if r["engine"] == engine and r["c"] != "auto"]
        if not auto or not fixed:
            continue
        best = max(fixed, key=lambda r: r["req_per_s"])
        print(f"| {engine} | {auto['req_per_s']:.0f} req/s | {auto['final_limit']} "
              f"| {auto['server_p99_ms']} ms | {best['c']}: {best['req_per_s']:.0f} req/s "
              f"| {best['server_p99_ms']} ms | {percent(auto['req_per_s'] / best['req_per_s'])} |")
    print("\nThe sweep of fixed -c:\n")
    print("| engine | -c | URLs | req/s | server p99 | 503 (overloaded) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['engine']} | {r['c']} | {r['urls']} | {r['req_per_s']:.0f} "
              f"| {r['server_p99_ms']} ms | {r['overloaded']} |")
    print()


# --- the plot --------------------------------------------------------------------------


def plot_data(stats_log, data_path, smoothing=5):
    """Turns --stats-log lines into columns for gnuplot: seconds, in flight, limit, records/s
    over the last `smoothing` intervals, p50 and p99 ms ("?" where an interval had none)."""
    with open(stats_log) as lines:
        samples = [json.loads(line) for line in lines if line.strip()]
    if len(samples) < 2:
        raise SystemExit(f"{stats_log}: fewer than two samples")

    def value(number):
        return "?" if number is None else f"{number:g}"

    with open(data_path, "w") as out:
        out.write("# t_s in_flight limit records_per_s p50_ms p99_ms\n")
        for i, sample in enumerate(samples):
            back = samples[max(i - smoothing, 0)]
            span_ms = sample["t_ms"] - back["t_ms"]
            per_s = (sample["records"] - back["records"]) * 1000 / span_ms if span_ms else None
            out.write(f"{sample['t_ms'] / 1000:.3f} {sample['in_flight']} {sample['limit']} "
                      f"{value(per_s)} {value(sample['p50_ms'])} {value(sample['p99_ms'])}\n")


def draw_plot(data_path, svg_path, title):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        raise SystemExit("gnuplot not found: apt-get install gnuplot-nox")
    ceiling = CAPACITY * 1000 / LATENCY_MS
    script = f"""
set terminal svg size 900,900 dynamic font 'sans,12' background '#ffffff'
set output '{svg_path}'
set datafile missing '?'
set multiplot layout 3,1 title '{title}'
set grid
# Room above the curves for the key.
set key top left horizontal
set offsets 0, 0, graph 0.25, 0
set lmargin 10
set xrange [0:*]
set autoscale xfixmax
set yrange [0:*]
set ylabel 'requests'
plot '{data_path}' using 1:3 with lines lw 2 title 'limit', \\
     '' using 1:2 with lines title 'in flight', \\
     {CAPACITY} with lines dashtype 2 lc rgb '#777777' title 'server capacity ({CAPACITY})'
set ylabel 'records/s'
plot '{data_path}' using 1:4 with lines title 'throughput (over 500 ms)', \\
     {ceiling:g} with lines dashtype 2 lc rgb '#777777' \\
     title 'capacity / latency ({ceiling:g}/s)'
set ylabel 'ms'
set xlabel 'seconds'
plot '{data_path}' using 1:5 with lines title 'p50 (records of each 100 ms)', \\
     '' using 1:6 with lines title 'p99', \\
     {LATENCY_MS} with lines dashtype 2 lc rgb '#777777' title 'unloaded latency ({LATENCY_MS} ms)'
unset multiplot
"""
    subprocess.run([gnuplot], input=script, text=True, check=True)


def plot(stats_log, svg_path, data_path):
    os.makedirs(os.path.dirname(os.path.abspath(svg_path)), exist_ok=True)
    plot_data(stats_log, data_path)
    draw_plot(data_path, svg_path, f"sluice -c auto against sluice serve --capacity {CAPACITY} "
                                   f"--latency {LATENCY_MS}ms")
    log(f"plot: {svg_path} (data {data_path})")


def has_stats_log(sluice):
    usage = subprocess.run([sluice, "--help"], capture_output=True, text=True).stdout
    return "--stats-log" in usage


# --- main ------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice",
                        help="the binary that serves and fetches")
    parser.add_argument("--parts", default="bandwidth,burst,rate,auto",
                        help="which measurements to make")
    parser.add_argument("--caps", default="5M,20M,50M,none",
                        help="--max-bandwidth values; none: no cap")
    parser.add_argument("--bandwidth-seconds", type=float, default=9,
                        help="each bandwidth run moves this many seconds of its cap")
    parser.add_argument("--rates", type=lambda text: [int(r) for r in text.split(",")],
                        default=[20, 100, 500], help="--rate values, per second")
    parser.add_argument("--rate-seconds", type=float, default=4,
                        help="each rate run makes this many seconds of requests")
    parser.add_argument("--auto-seconds", type=float, default=20,
                        help="the -c auto run gets this many seconds of work at capacity")
    parser.add_argument("--quick", action="store_true",
                        help="short runs (2 s, 1.5 s, 5 s) to check that all works")
    parser.add_argument("--json", help="also write every result to this file")
    parser.add_argument("--plot", help="the SVG to write (default: "
                                       "docs/img/adaptive_concurrency.svg, with --quick in the "
                                       "temporary directory)")
    parser.add_argument("--plot-data", help="the run's --stats-log and gnuplot's columns are "
                                            "kept as PREFIX.stats.jsonl and PREFIX.tsv (default: "
                                            "adaptive_concurrency next to --plot)")
    parser.add_argument("--plot-only", metavar="STATS_LOG",
                        help="only draw the plot from this --stats-log file")
    parser.add_argument("--wire-plot", help="the burst part's SVG (default: "
                                            "docs/img/bandwidth_wire.svg, with --quick in the "
                                            "temporary directory); its columns go beside it "
                                            "as .tsv")
    parser.add_argument("--wire-plot-only", metavar="TSV",
                        help="only draw the wire plot from these columns")
    args = parser.parse_args()
    if not args.plot:
        # A quick check must not replace the plot that docs/benchmarks.md shows.
        folder = tempfile.gettempdir() if args.quick else "docs/img"
        args.plot = os.path.join(folder, "adaptive_concurrency.svg")
    if not args.wire_plot:
        folder = tempfile.gettempdir() if args.quick else "docs/img"
        args.wire_plot = os.path.join(folder, "bandwidth_wire.svg")
    wire_data_path = os.path.splitext(args.wire_plot)[0] + ".tsv"
    prefix = args.plot_data or os.path.join(os.path.dirname(os.path.abspath(args.plot)),
                                            "adaptive_concurrency")
    if args.plot_only:
        plot(args.plot_only, args.plot, prefix + ".tsv")
        return 0
    if args.wire_plot_only:
        draw_wire_plot(args.wire_plot_only, args.wire_plot)
        return 0
    if not shutil.which(args.sluice):
        raise SystemExit(f"no sluice at {args.sluice}: build the release preset, or give --sluice")
    if args.quick:
        args.bandwidth_seconds, args.rate_seconds, args.auto_seconds = 2, 1.5, 5
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    parts = args.parts.split(",")
    if unknown := set(parts) - {"bandwidth", "burst", "rate", "auto"}:
        raise SystemExit(f"unknown part: {', '.join(sorted(unknown))}")
    for cap in args.caps.split(","):
        if cap != "none":
            parse_size(cap)
    results = {}
    started = time.monotonic()

    if "bandwidth" in parts:
        results["bandwidth"] = []
        for cap in args.caps.split(","):
            for engine in ENGINES:
                results["bandwidth"].append(bandwidth_run(args, cap, engine))
                log(f"bandwidth {cap} {engine}: {results['bandwidth'][-1]}")
        bandwidth_table(results["bandwidth"], args)

    if "burst" in parts:
        results["burst"] = []
        for engine in ENGINES:
            for bucket, extra in BUCKETS:
                results["burst"].append(burst_run(args, bucket, extra, engine))
                shown = {k: v for k, v in results["burst"][-1].items() if k != "bins"}
                log(f"burst {bucket} {engine}: {shown}")
        burst_table(results["burst"], args)
        # The plot shows the first engine's runs.
        os.makedirs(os.path.dirname(os.path.abspath(args.wire_plot)), exist_ok=True)
        wire_data([r for r in results["burst"] if r["engine"] == ENGINES[0]], wire_data_path)
        draw_wire_plot(wire_data_path, args.wire_plot)

    if "rate" in parts:
        results["rate"] = []
        for rate in args.rates:
            for engine in ENGINES:
                results["rate"].append(rate_run(args, rate, engine))
                log(f"rate {rate}/s {engine}: {results['rate'][-1]}")
        rate_table(results["rate"])

    if "auto" in parts:
        results["auto"] = []
        logging = has_stats_log(args.sluice)
        if not logging:
            log("this sluice has no --stats-log: the -c auto plot is left out")
        stats_log = prefix + ".stats.jsonl" if logging else None
        if stats_log:
            os.makedirs(os.path.dirname(stats_log), exist_ok=True)
            if os.path.exists(stats_log):
                os.remove(stats_log)  # sluice appends to it
        for engine in ENGINES:
            for c in SWEEP:
                results["auto"].append(fixed_run(args, engine, c))
                log(f"auto sweep {engine}: {results['auto'][-1]}")
            # The plot shows the first engine's run.
            logged = stats_log if engine == ENGINES[0] else None
            results["auto"].append(auto_run(args, engine, logged))
            log(f"auto {engine}: {results['auto'][-1]}")
            if logged:
                plot(logged, args.plot, prefix + ".tsv")
        auto_table(results["auto"])

    log(f"done in {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1)
            out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
