#!/usr/bin/env python3
"""bench/search.sh's results as a Markdown table: each query class on the index (node A) and on
PostgreSQL (node B), requests/s and latency percentiles, and the index's ratio."""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1])


def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None


def stats(r):
    if not r:
        return None
    e = next(iter(r["endpoints"].values()), None)
    lat = e["latency"] if e else {}
    errors = sum(r["errors"].values())
    return r["throughput_per_s"], lat.get("p50_ms"), lat.get("p95_ms"), lat.get("p99_ms"), errors


def cell(s):
    if not s:
        return "n/a"
    qps, p50, p95, p99, errors = s
    if p50 is None:
        return f"no answers ({errors} errors)"
    err = f", {errors} errors" if errors else ""
    return f"{qps:,.0f}/s; {p50:.1f} / {p95:.1f} / {p99:.1f} ms{err}"


cat = load("catalogue.json") or {}
reindex = load("reindex.json") or {}
rss = load("rss.json") or {}
print(f"Catalogue: {cat.get('listings', '?'):,} listings, {cat.get('tracks', '?'):,} tracks, "
      f"{cat.get('users', '?'):,} users, {cat.get('rooms', '?'):,} rooms.")
if reindex:
    print(f"Full reindex: {reindex['documents']:,} documents in {reindex['seconds']:.1f} s; "
          f"index {reindex['bytes_on_disk'] / 2**20:,.0f} MiB on disk.")
if rss:
    print(f"Node A's RSS with the index open, after the run: {rss['rss_kib'] / 1024:,.0f} MiB.")
fresh = load("freshness.json")
if fresh:
    lag = fresh["lag"]
    print(f"Freshness at {fresh['rate_per_s']} listing writes/s (written on node B, searched on node A): "
          f"{fresh['found']:,} of {fresh['written']:,} found, lag p50 {lag['p50_ms']:.0f} ms, "
          f"p99 {lag['p99_ms']:.0f} ms, max {lag['max_ms']:.0f} ms; {fresh['not_found']} not found in time, "
          f"{fresh['write_errors']} write errors.")
print()
print("| class | index (node A): req/s; p50 / p95 / p99 | PostgreSQL (node B) | index / PostgreSQL req/s |")
print("|---|---|---|---|")
for cls in ["common", "rare", "two-words", "typo", "prefix", "varied-words", "suggest", "listings-facets",
            "listings-text-facets", "listings-all", "listings-varied", "listings-category-varied",
            "listings-tag-varied", "listings-condition-varied", "listings-currency-varied"]:
    a, b = stats(load(f"{cls}-a.json")), stats(load(f"{cls}-b.json"))
    ratio = f"{a[0] / b[0]:.1f}x" if a and b and b[0] > 0 and b[1] is not None else "n/a"
    print(f"| {cls} | {cell(a)} | {cell(b)} | {ratio} |")
