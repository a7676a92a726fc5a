#!/usr/bin/env python3
"""Reads bench/results/tracks (bench/tracks.sh) and prints the Markdown tables of BENCHMARKS.md,
with the ratios against the aims of issue 15."""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/tracks")


def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None


up = load("upload.json")
if up:
    grew = (up["rss_after_kib"] - up["rss_before_kib"]) / 1024
    peak = (up["rss_peak_kib"] - up["rss_before_kib"]) / 1024
    print("### Upload: one 200 MiB WAV\n")
    print("| | Veza (POST /tracks) | dd (same disk) |")
    print("|---|---|---|")
    dd = f"{up['dd_mb_per_s']:.0f} MB/s" if up["dd_mb_per_s"] else up["dd"]
    print(f"| throughput | {up['mb_per_s']:.0f} MB/s ({up['seconds']:.1f} s, processing included) | {dd} |")
    print(f"| processing (decode, peaks, loudness) | {up['processing_ms']} ms | |")
    verdict = "met" if grew < 16 else "missed"
    print(f"| node RSS | {up['rss_before_kib']} KiB before, {up['rss_after_kib']} KiB after: {grew:+.1f} MiB "
          f"(peak {peak:+.1f} MiB); aim under 16 MiB: **{verdict}** | |\n")

v, n = load("range-veza.json"), load("range-nginx.json")
if v and n:
    print("### Streaming: 200 clients, random 256 KiB ranges of a 50 MiB file\n")
    print("| | ranges/s | MB/s | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|")
    for name, r in (("Veza", v), ("nginx", n)):
        lat = r["latency"]
        print(f"| {name} | {r['throughput_per_s']:.0f} | {r['bytes_per_s'] / 1e6:.0f} | {lat['p50_ms']:.1f} ms | "
              f"{lat['p99_ms']:.1f} ms | {sum(r['errors'].values())} |")
    ratio = v["bytes_per_s"] / n["bytes_per_s"] if n["bytes_per_s"] else 0
    print(f"\nVeza / nginx: **{ratio:.0%}** of nginx's bytes/s (aim: at least 80%: "
          f"**{'met' if ratio >= 0.8 else 'missed'}**).\n")

q, u = load("fanout-quiet.json"), load("fanout-uploads.json")
count = load("fanout-uploads-count.json") or {}
if q and u:
    def step(r):
        s = r["steps"][0] if r.get("steps") else r
        return s["latency"]["p50_ms"], s["latency"]["p99_ms"], s.get("deliveries_per_s", r.get("throughput_per_s", 0))
    print("### Chat fan-out while tracks are processed\n")
    print("| | deliveries/s | p50 | p99 |")
    print("|---|---|---|---|")
    for name, r in (("alone", q), (f"4 uploads looping ({count.get('processed_during_run', '?')} processed)", u)):
        p50, p99, d = step(r)
        print(f"| {name} | {d:.0f} | {p50:.1f} ms | {p99:.1f} ms |")
