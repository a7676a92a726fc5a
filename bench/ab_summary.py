#!/usr/bin/env python3
"""Medians of bench/ab.sh's runs: fan-out (best step within p99 <= 100 ms and no loss, and the
p99 at the first step, which every run reaches) and the burst's acked/s, old beside new."""
import json
import statistics
import sys
from pathlib import Path

out, rounds = Path(sys.argv[1]), int(sys.argv[2])


def report(kind, side, i):
    return json.loads((out / f"{kind}-{side}-{i}.json").read_text())


def fan_best(r):
    b = r.get("best_step")
    return r["steps"][b]["deliveries_per_s"] if b is not None else 0.0


def fan_first_p99(r):
    return r["steps"][0]["latency"]["p99_ms"]


def burst(r):
    return r["steps"][0]["acked_per_s"]


rows = [
    ("fan-out: deliveries/s at the best passing step", "fanout", fan_best, "{:,.0f}"),
    ("fan-out: p99 ms at the first step (lower is better)", "fanout", fan_first_p99, "{:.1f}"),
    ("burst: acked messages/s", "burst", burst, "{:,.0f}"),
]
print("| measure | old runs | new runs | old median | new median | new / old |")
print("|---|---|---|---:|---:|---:|")
for label, kind, f, fmt in rows:
    old = [f(report(kind, "old", i)) for i in range(1, rounds + 1)]
    new = [f(report(kind, "new", i)) for i in range(1, rounds + 1)]
    mo, mn = statistics.median(old), statistics.median(new)
    ratio = f"{mn / mo:.3f}" if mo else "n/a"
    runs = lambda xs: ", ".join(fmt.format(x) for x in xs)
    print(f"| {label} | {runs(old)} | {runs(new)} | {fmt.format(mo)} | {fmt.format(mn)} | {ratio} |")
