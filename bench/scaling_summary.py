"""Summary of `make bench-scaling` (bench/scaling.sh) as the markdown SCALING.md quotes."""
import json
import sys
from pathlib import Path

out, secs, rooms = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])


def load(name):
    path = out / name
    return json.loads(path.read_text()) if path.exists() else {}


def step(report):
    steps = report.get("steps") or [{}]
    return steps[report.get("best_step") or 0]


print(f"## bench-scaling: {rooms} rooms x 3 members, one unthrottled sender per room (window 32), {secs:.0f} s per run\n")
print("| run | acked msg/s | deliveries/s | lost | p99 | node CPU per 1,000 msgs | rows stored |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, label in [("one-node-alone", "one node alone (no RabbitMQ, no Redis)"),
                    ("partitioned", "one node alone, partitioned `messages`"),
                    ("one-node-redis", "one node with Redis (limits, presence)"),
                    ("one-node-amqp", "one node with RabbitMQ (fan-out)"),
                    ("one-node", "one node with RabbitMQ and Redis"),
                    ("three-nodes", "three nodes (senders on 1, members on 2 and 3)")]:
    r, n = step(load(f"{name}.json")), load(f"{name}-node.json")
    acked = r.get("acked", 0)
    cpu = n.get("node_cpu_s", 0)
    cpu_total = sum(cpu) if isinstance(cpu, list) else cpu
    per_k = f"{cpu_total / acked * 1000:.3f} s" if acked else "-"
    stored = n.get("stored", "-")
    print(f"| {label} | {r.get('acked_per_s', 0):,.0f} | {r.get('deliveries_per_s', 0):,.0f} | {r.get('lost', '-')} | "
          f"{r.get('latency', {}).get('p99_ms', 0):.1f} ms | {per_k} | {stored} |")

three = load("three-nodes-node.json")
if three:
    cpu = three.get("node_cpu_s", [0, 0, 0])
    sent = three.get("envelopes_out_node1", 0)
    print(f"\nThree nodes: envelopes published by node 1 {sent:,} ({sent / secs:,.0f}/s), received by node 2 "
          f"{three.get('envelopes_in_node2', 0):,}, node 3 {three.get('envelopes_in_node3', 0):,}; "
          f"node CPU seconds {cpu[0]:.1f} / {cpu[1]:.1f} / {cpu[2]:.1f}.")
dups = out / "partitioned-duplicates.tmp"
if dups.exists():
    print(f"\nPartitioned table: `veza_messages_duplicates()` answered {dups.read_text().strip()} rows.")

print("\n| RabbitMQ alone (veza-loadtest broker, confirms on, 300-byte bodies) | confirmed publishes/s | "
      "envelopes delivered/s | lost | p50 | p99 |")
print("|---|---:|---:|---:|---:|---:|")
for q in (2, 8):
    b = load(f"broker-q{q}.json")
    lat = b.get("latency_ms", {})
    print(f"| {q} node queues | {b.get('confirmed_per_s', 0):,.0f} | {b.get('delivered_per_s', 0):,.0f} | "
          f"{b.get('lost', '-')} | {lat.get('p50', 0):.1f} ms | {lat.get('p99', 0):.1f} ms |")
