#!/usr/bin/env python3
"""Reads the JSON reports of `make bench` (bench/results/latest) and prints Markdown tables
with medians and ratios against the aims of the benchmark issue."""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest")


def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None


def best(report):
    """(deliveries/s of the best step within the limit, p99 of it, whether the top rate passed)."""
    if not report or report.get("best_step") is None:
        return 0.0, None, False
    steps = report["steps"]
    b = steps[report["best_step"]]
    top_passed = report["best_step"] == len(steps) - 1
    return b["deliveries_per_s"], b["latency"]["p99_ms"], top_passed


print("### 1. chat-fanout: one room x 1,000 members, 2 senders, p99 <= 100 ms and no loss\n")
print("| server | run 1 | run 2 | median deliveries/s | p99 at best (run 1 / 2) |")
print("|---|---:|---:|---:|---|")
medians = {}
for name, label in [("veza", "Veza (auth + persistence)"), ("bare", "bare actix-web-actors"), ("socketio", "Socket.IO 4 (Node)")]:
    runs = [best(load(f"fanout-{name}-{r}.json")) for r in (1, 2)]
    med = statistics.median([r[0] for r in runs])
    medians[name] = med
    capped = " (top step passed: a lower bound)" if any(r[2] for r in runs) else ""
    p99s = " / ".join(f"{r[1]:.1f} ms" if r[1] is not None else "-" for r in runs)
    print(f"| {label} | {runs[0][0]:,.0f} | {runs[1][0]:,.0f} | **{med:,.0f}**{capped} | {p99s} |")
sio, bare = medians.get("socketio") or 0, medians.get("bare") or 0
print()
if sio:
    print(f"- Veza / Socket.IO: **{medians['veza'] / sio:.2f}x** (aim: at least 5x)")
if bare:
    print(f"- Veza / bare actix: **{medians['veza'] / bare:.2f}x** (aim: at least 1x)")

print("\n### 2. connect-idle\n")
idle = load("connect-idle.json")
if idle:
    per = idle.get("node_kib_per_connection")
    per_s = f"{per:.1f} KiB" if per is not None else "n/a"
    print("| connections open | failed | connects/s | node RSS before -> after | per connection (aim <= 14 KiB) |")
    print("|---:|---:|---:|---|---:|")
    print(
        f"| {idle['connected']:,} of {idle['asked']:,} | {idle['failed']} | {idle['connects_per_s']:,.0f} | "
        f"{idle.get('node_rss_before_kib')} KiB -> {idle.get('node_rss_after_kib')} KiB | **{per_s}** |"
    )
    print(f"\nOpen-files limit for each process here: {idle['open_files_limit']:,}.")

print("\n### 3. rest-mixed\n")
listing, pg = load("rest-listing.json"), load("pgbench-listing.json")
hv, hb = load("rest-health-veza.json"), load("rest-health-bare.json")
print("| comparison | Veza req/s | peer | ratio | aim |")
print("|---|---:|---:|---:|---|")
if listing and pg:
    r = listing["throughput_per_s"] / pg["tps"] if pg["tps"] else 0
    print(f"| GET /api/v1/listings/{{id}} vs pgbench (same SELECT, 32 conns) | {listing['throughput_per_s']:,.0f} | {pg['tps']:,.0f} tps | **{r:.0%}** | >= 60% |")
if hv and hb:
    r = hv["throughput_per_s"] / hb["throughput_per_s"] if hb["throughput_per_s"] else 0
    print(f"| GET /health vs hello-world actix-web (64 clients) | {hv['throughput_per_s']:,.0f} | {hb['throughput_per_s']:,.0f} req/s | **{r:.0%}** | >= 80% |")
for name, rep in [("listing", listing), ("health (Veza)", hv), ("health (bare)", hb)]:
    if rep:
        e = next(iter(rep["endpoints"].values()), None)
        if e:
            l = e["latency"]
            print(f"\n{name}: p50 {l['p50_ms']:.2f} ms, p99 {l['p99_ms']:.2f} ms, errors {sum(rep['errors'].values())}")

print("\n### 4. persistence burst: 100 rooms, 100 unthrottled senders (32 unacked each)\n")
burst, stored = load("burst.json"), load("burst-stored.json")
if burst and burst["steps"]:
    s = burst["steps"][0]
    ok = stored and stored["stored"] >= (s["acked"] or 0)
    print("| acked messages/s (aim >= 50,000) | acked | rows stored | every ack's row present | p99 send->deliver |")
    print("|---:|---:|---:|---|---:|")
    print(
        f"| **{s['acked_per_s']:,.0f}** | {s['acked']:,} | {stored['stored'] if stored else '?':,} | "
        f"{'yes' if ok else 'NO'} | {s['latency']['p99_ms']:.1f} ms |"
    )
