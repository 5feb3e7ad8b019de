#!/usr/bin/env python3
"""The bottleneck's queue over time for each load of one bench/link_bench.py run: the picture
beside the link table in docs/benchmarks.md and in the article's section 1.

Reads the file that `link_bench.py --samples-json FILE` wrote and draws
docs/img/link_backlog.{ru,en}.png (labels in each article's language); needs gnuplot.
Usage: bench/link_plot.py [FILE]   (default docs/img/link_runs.json)
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
IMG = os.path.join(HERE, "..", "docs", "img")
LABELS = {
    "ru": {"title": "Очередь перед каналом {rate:g} Мбит/с (предел {limit:.0f} КБ)",
           "time": "время от начала загрузки, с", "backlog": "в очереди, КБ", "idle": "нет"},
    "en": {"title": "The queue before a {rate:g} Mbit/s link (limit {limit:.0f} KB)",
           "time": "time since the load started, s", "backlog": "queued, KB", "idle": "idle"},
}
COLOURS = ["#7f7f7f", "#c0504d", "#4f81bd", "#9bbb59", "#8064a2", "#f79646", "#4bacc6"]


def plot(run, lang, folder):
    words = LABELS[lang]
    limit_kb = run["rate_mbit"] * 1e6 / 8 * run["queue_ms"] / 1000 / 1000
    lines = []
    for i, (name, samples) in enumerate(run["loads"].items()):
        path = os.path.join(folder, f"load{i}.tsv")
        with open(path, "w") as out:
            out.writelines(f"{t}\t{backlog / 1000}\n" for t, backlog in samples if t >= 0)
        title = words["idle"] if name == "idle" else name
        lines.append(f"'{path}' using 1:2 with lines lw 2 lc rgb '{COLOURS[i % len(COLOURS)]}' "
                     f"title \"{title}\"")
    script = f"""set terminal pngcairo noenhanced size 1000,380 font 'DejaVu Sans,10'
set output '{IMG}/link_backlog.{lang}.png'
set title "{words['title'].format(rate=run['rate_mbit'], limit=limit_kb)}"
set xlabel "{words['time']}"; set ylabel "{words['backlog']}"
set yrange [0:{limit_kb * 1.1:.0f}]; set xrange [0:*]; set grid; set key outside right top
plot {", ".join(lines)}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(IMG, "link_runs.json")
    with open(source) as data:
        run = json.load(data)
    with tempfile.TemporaryDirectory() as folder:
        for lang in LABELS:
            plot(run, lang, folder)


if __name__ == "__main__":
    main()
