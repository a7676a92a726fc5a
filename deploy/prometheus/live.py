"""The live half of `make prometheus-live` (scripts/prometheus-live.sh starts the nodes and
Prometheus; this file talks to them).

  live.py config   the Prometheus config for the run, from deploy/prometheus/prometheus.yml
  live.py wait-scraped  until Prometheus has scraped each node twice (rates then span the load)
  live.py load     traffic on two nodes: accounts, reads, problems, chat across nodes over
                   WebSocket, a listing and an offer, a track upload and streams, server API calls
  live.py check    asserts through Prometheus' HTTP API and the nodes' /metrics: targets up,
                   every metric name a rule or panel uses exported by each node, every
                   expression runs, traffic panels have data, the load's counters moved,
                   rule groups healthy
  live.py names    the metric names the rules and the dashboard use (for a look by hand)
  live.py drop-exchange  removes the run's RabbitMQ exchange

Pinned in deploy/prometheus/requirements.txt.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import yaml

# --- PromQL ------------------------------------------------------------------------------------

KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "atan2", "inf", "nan", "start", "end",
    # aggregations, which may stand before `by (...)` rather than `(`
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def grafana_to_promql(expr: str) -> str:
    """Dashboard variables as Grafana would fill them for a live query."""
    out = expr
    for var, value in (
        ("$__rate_interval", "1m"),
        ("${__rate_interval}", "1m"),
        ("$__interval", "15s"),
        ("${__interval}", "15s"),
        ("$__range", "1h"),
        ("${__range}", "1h"),
    ):
        out = out.replace(var, value)
    # Every other variable ($instance, ${instance}, ${instance:regex}) is a label regex: all.
    out = re.sub(r"\$\{[A-Za-z0-9_]+(?::[A-Za-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*", ".*", out)
    return out


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords and labels left out)."""
    text = STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # ranges and subqueries
    text = GROUPING.sub(r"\1", text)  # by (le, route), on (instance), group_left (x)
    names = set()
    for m in IDENT.finditer(text):
        word = m.group(0)
        before = text[m.start() - 1] if m.start() > 0 else " "
        if before.isdigit() or before == ".":  # 5m, 1e3, 0.5
            continue
        after = text[m.end():].lstrip()
        if after.startswith("("):  # a function or an aggregation
            continue
        if word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def rule_groups(rules_dir: Path) -> list[dict]:
    groups = []
    for path in sorted(rules_dir.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            group["file"] = str(path)
            groups.append(group)
    return groups


def dashboard_targets(dashboard: Path) -> list[tuple[str, str]]:
    """(panel title, expr) for every target of every panel, rows' panels included."""
    model = json.loads(dashboard.read_text())
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))

    walk(model.get("panels", []))
    return out


# --- HTTP --------------------------------------------------------------------------------------


class HttpError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__(f"{method} {url}: {status} {body[:300]!r}")
        self.status = status
        self.body = body


def http(method, url, body=None, token=None, headers=None, expect=None, raw=False, auth=None):
    data = None
    hdrs = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        data = json.dumps(body).encode()
        hdrs.setdefault("content-type", "application/json")
    elif body is not None:
        data = body
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    if auth:
        hdrs["authorization"] = auth
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            status, payload, res_headers = res.status, res.read(), res.headers
    except urllib.error.HTTPError as e:
        status, payload, res_headers = e.code, e.read(), e.headers
    if expect is not None and status not in (expect if isinstance(expect, tuple) else (expect,)):
        raise HttpError(method, url, status, payload.decode(errors="replace"))
    if raw:
        return status, payload, res_headers
    text = payload.decode(errors="replace")
    try:
        return status, json.loads(text) if text else None
    except json.JSONDecodeError:
        return status, text


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes, ctype: str):
    boundary = f"veza-{uuid.uuid4().hex}"
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- config ------------------------------------------------------------------------------------


def cmd_config(a):
    """The committed config with this run's targets, rules and 1 s intervals."""
    cfg = yaml.safe_load(Path(a.template).read_text())
    cfg["global"].update({"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"})
    cfg["rule_files"] = [str(Path(a.rules_dir).resolve() / "*.yml")]
    jobs = [j for j in cfg["scrape_configs"] if j["job_name"] == "veza"]
    if len(jobs) != 1:
        sys.exit("live: prometheus.yml has no single job `veza`")
    job = jobs[0]
    if "file_sd_configs" not in job:
        sys.exit("live: the `veza` job no longer discovers targets from files (file_sd_configs)")
    job["file_sd_configs"] = [{"files": [str(Path(a.targets_file).resolve())], "refresh_interval": "1s"}]
    cfg["scrape_configs"] = [job]
    Path(a.targets_file).write_text(json.dumps([{"targets": a.nodes.split(","), "labels": {"env": "live-test"}}]))
    Path(a.out).write_text(yaml.safe_dump(cfg, sort_keys=False))


# --- load --------------------------------------------------------------------------------------


def ws_url(base: str, token: str) -> str:
    return base.replace("http://", "ws://", 1) + "/ws?token=" + urllib.parse.quote(token)


def ws_until(ws, pred, what, timeout=10.0):
    """Frames until one matches `pred`; returns it (others are dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"live load: no {what} within {timeout:.0f} s")
        try:
            frame = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            continue
        if frame.get("type") == "error":
            raise SystemExit(f"live load: error frame while waiting for {what}: {frame}")
        if pred(frame):
            return frame


def read_until_closed(ws):
    from websockets.exceptions import ConnectionClosed

    try:
        for _ in ws:
            pass
    except ConnectionClosed:
        pass


def cmd_load(a):
    from websockets.sync.client import connect

    n1, n2 = a.node1.rstrip("/"), a.node2.rstrip("/")
    api1, api2 = n1 + "/api/v1", n2 + "/api/v1"
    run = uuid.uuid4().hex[:8]
    pw = "live-password-1"
    counts = {}
    phases = []
    t0 = [time.monotonic()]

    def tick(key, n=1):
        counts[key] = counts.get(key, 0) + n

    def phase(name):
        now = time.monotonic()
        phases.append(f"{name} {now - t0[0]:.1f} s")
        t0[0] = now

    # Accounts: one on each node, then each logs in on the other node.
    users = {}
    for name, api in (("alice", api1), ("bob", api2)):
        uname = f"{name}_{run}"
        _, body = http("POST", f"{api}/auth/register", {"email": f"{uname}@live.test", "username": uname, "password": pw}, expect=201)
        users[name] = {"id": body["user"]["id"], "username": uname, "token": body["access_token"]}
        tick("register")
    for name, api in (("alice", api2), ("bob", api1)):
        _, body = http("POST", f"{api}/auth/login", {"login": users[name]["username"], "password": pw}, expect=200)
        tick("login")
    _, body = http("POST", f"{api1}/auth/login", {"login": a.admin, "password": a.admin_password}, expect=200)
    admin = body["access_token"]
    alice, bob = users["alice"]["token"], users["bob"]["token"]

    # Reads on both nodes, and problems: 404s (a route's and no route's), 422s, a 401.
    for api, tok in ((api1, alice), (api2, bob)):
        for _ in range(5):
            http("GET", f"{api}/auth/me", token=tok, expect=200)
            http("GET", f"{api}/categories", expect=200)
            http("GET", f"{api}/listings", expect=200)
            http("GET", f"{api}/rooms", token=tok, expect=200)
            tick("reads", 4)
        http("GET", f"{api}/users/nobody_{run}", expect=404)
        http("GET", f"{api}/no-such-route-{run}", expect=404)
        http("POST", f"{api}/auth/register", {"email": "not-an-email", "username": "x", "password": "p"}, expect=422)
        http("GET", f"{api}/auth/me", expect=401)
        tick("problems", 4)

    phase("accounts and reads")

    # Chat: alice on node 1, bob on node 2, one public room; each side's messages must reach
    # the other node through RabbitMQ.
    _, room = http("POST", f"{api1}/rooms", {"name": f"live {run}", "visibility": "public"}, token=alice, expect=201)
    room_id = room["id"]
    http("POST", f"{api2}/rooms/{room_id}/join", token=bob, expect=(200, 201, 204))
    per_side = a.messages
    with connect(ws_url(n1, alice), open_timeout=10) as wa, connect(ws_url(n2, bob), open_timeout=10) as wb:
        for ws in (wa, wb):
            ws.send(json.dumps({"type": "join", "room": room_id}))
            ws_until(ws, lambda f: f.get("type") == "joined", "joined")
        phase("chat: connected and joined")
        for sender, receiver, who in ((wa, wb, "alice"), (wb, wa, "bob")):
            ids = [f"{who}-{run}-{i}" for i in range(per_side)]
            for cid in ids:
                sender.send(json.dumps({"type": "send", "room": room_id, "body": f"hello from {who} {cid}", "client_id": cid}))
            t_send = time.monotonic()
            acked = set()
            while len(acked) < per_side:
                f = ws_until(sender, lambda f: f.get("type") == "ack", f"ack for {who}'s sends")
                acked.add(f["client_id"])
            got = set()
            author = users[who]["id"]
            while len(got) < per_side:
                f = ws_until(
                    receiver,
                    lambda f: f.get("type") == "message" and f.get("author", {}).get("id") == author,
                    f"{who}'s messages on the other node (cross-node fan-out)",
                )
                got.add(f["seq"])
            phases.append(f"{who}'s {per_side} messages acked and across in {time.monotonic() - t_send:.1f} s")
            tick("chat_sent", per_side)
            tick("chat_received_cross_node", len(got))
        # A REST post too, delivered live on both nodes.
        http("POST", f"{api2}/rooms/{room_id}/messages", {"body": "over REST", "client_id": f"rest-{run}"}, token=bob, expect=201)
        ws_until(wa, lambda f: f.get("type") == "message" and f.get("body") == "over REST", "the REST post on node 1")
        tick("chat_sent")
        phase("chat: a REST post across")
        # The sync client hands frames over one at a time: a frame left unread (a presence
        # frame as the other user leaves) holds its reader, which then never sees the server's
        # close frame, and close() waits out its 10 s timeout. Read on until closed.
        readers = [threading.Thread(target=read_until_closed, args=(ws,), daemon=True) for ws in (wa, wb)]
        for r in readers:
            r.start()

    phase("chat: closed")

    # Marketplace: a category (admin), a listing (alice), an offer (bob) taken to completion.
    _, cat = http("POST", f"{api1}/admin/categories", {"name": f"Live instruments {run}"}, token=admin, expect=201)
    listing = {
        "title": f"Analog synth {run}",
        "description": "A well kept analog synthesizer.",
        "price": {"amount": 125000, "currency": "EUR"},
        "category_id": cat["id"],
        "tags": ["synth"],
        "condition": "used",
        "publish": True,
    }
    _, lst = http("POST", f"{api1}/listings", listing, token=alice, expect=201)
    http("GET", f"{api2}/listings/{lst['id']}", expect=200)
    eur = lambda n: {"amount": n, "currency": "EUR"}  # noqa: E731
    _, offer = http("POST", f"{api2}/listings/{lst['id']}/offers", {"amount": eur(100000)}, token=bob, expect=201)
    oid = offer["id"]
    http("POST", f"{api1}/offers/{oid}/counter", {"amount": eur(110000)}, token=alice, expect=200)
    http("POST", f"{api2}/offers/{oid}/accept", token=bob, expect=200)
    http("POST", f"{api1}/offers/{oid}/confirm", token=alice, expect=200)
    _, done = http("POST", f"{api2}/offers/{oid}/confirm", token=bob, expect=200)
    if done.get("status") != "completed":
        raise SystemExit(f"live load: the offer ended {done.get('status')!r}, not completed")
    tick("offer_transitions", 5)

    phase("marketplace")

    # Tracks: an upload (and one refused: not audio), then streams whole and ranged from both nodes.
    audio = Path(a.audio)
    body, ctype = multipart({"title": f"Tone {run}"}, "file", "tone.wav", (audio / "tone.wav").read_bytes(), "audio/wav")
    _, track = http("POST", f"{api1}/tracks", body, token=alice, headers={"content-type": ctype}, expect=201)
    body, ctype = multipart({}, "file", "image.mp3", (audio / "image.mp3").read_bytes(), "audio/mpeg")
    http("POST", f"{api1}/tracks", body, token=alice, headers={"content-type": ctype}, expect=415)
    tick("uploads", 2)
    for base in (api1, api2):
        http("GET", f"{base}/tracks/{track['id']}/stream", token=alice, expect=200, raw=True)
        http("GET", f"{base}/tracks/{track['id']}/stream", token=bob, headers={"range": "bytes=0-1023"}, expect=206, raw=True)
        tick("streams", 2)

    phase("tracks")

    # Server API: a key limited to 1 call/s with no burst: some calls pass, some are 429.
    if a.api_key:
        statuses = []
        for i in range(6):  # both nodes, so each exports the counters
            s, _ = http("GET", f"{(api1, api2)[i % 2]}/server/nodes", auth=f"ApiKey {a.api_key}", expect=(200, 429))
            statuses.append(s)
        if 200 not in statuses or 429 not in statuses:
            raise SystemExit(f"live load: server API answers {statuses}, wanted both 200 and 429")
        tick("server_api_calls", len(statuses))

    phase("server API")
    print("live load: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print("live load: took " + ", ".join(phases))


# --- check -------------------------------------------------------------------------------------

# Dashboard panels that must show data after the load (title prefixes): the traffic.
TRAFFIC_PANELS = (
    "Requests/s per route",
    "Latency per route",
    "WebSocket connections per node",
    "Chat deliveries/s per node",
    "Writer batches/s per node",
    "Writer commit latency",
    "Cross-node fan-out latency",
)


# After the load: (scope, PromQL, what it shows). `each`: every node has a series > 0.
MOVED = [
    ("each", 'sum by (instance) (veza_http_requests_total{route="/api/v1/auth/me"})', "requests counted by route"),
    ("each", 'sum by (instance) (veza_http_problems_total{code="not_found"})', "404 problems counted (not_found)"),
    ("each", 'sum by (instance) (veza_http_problems_total{code="validation_failed"})', "422 problems counted (validation_failed)"),
    ("each", 'sum by (instance) (veza_http_problems_total{code="unauthenticated"})', "401 problems counted (unauthenticated)"),
    ("each", "sum by (instance) (veza_chat_messages_total)", "chat messages committed on each node"),
    ("each", "sum by (instance) (veza_chat_deliveries_total)", "chat frames delivered on each node"),
    ("each", "sum by (instance) (veza_chat_commit_seconds_count)", "writer batch commits on each node"),
    ("each", "sum by (instance) (veza_chat_commit_batch_size_sum)", "messages per writer batch observed"),
    ("each", 'sum by (instance) (veza_amqp_envelopes_total{direction="out"})', "RabbitMQ envelopes published"),
    ("each", 'sum by (instance) (veza_amqp_envelopes_total{direction="in"})', "RabbitMQ envelopes received"),
    ("each", "sum by (instance) (veza_chat_fanout_seconds_count)", "cross-node fan-out latency observed"),
    ("any", "sum by (state) (veza_offer_transitions_total)", "offer transitions counted (pending, countered, accepted, completed)"),
    ("any", 'sum(veza_track_uploads_total{outcome="ok"})', "track upload counted ok"),
    ("any", 'sum(veza_track_uploads_total{outcome="rejected"})', "non-audio upload counted rejected (415)"),
    ("any", "sum(veza_track_upload_bytes_total)", "uploaded bytes counted"),
    ("each", 'sum by (instance) (veza_track_streams_total{status="200"})', "whole streams counted (200)"),
    ("each", 'sum by (instance) (veza_track_streams_total{status="206"})', "ranged streams counted (206)"),
    ("each", "sum by (instance) (veza_track_stream_bytes_total)", "streamed bytes counted"),
    ("each", 'sum by (instance) (veza_db_reads_total{target="primary"})', "reads counted on the primary (no replica configured)"),
    ("each", "sum by (instance) (veza_server_api_calls_total)", "server API calls counted"),
    ("any", 'sum(veza_rate_limited_total{limit="server_api"})', "server API key over its rate counted (429)"),
    ("each", 'count by (instance) (veza_disk_size_bytes{volume=~"search_index|spool|blobs"} > 0) == 3', "disk size of search_index, spool and blobs"),
    ("each", 'count by (instance) (veza_disk_free_bytes{volume=~"search_index|spool|blobs"} > 0) == 3', "disk free of search_index, spool and blobs"),
    ("each", 'count by (instance) (veza_dependency_up{dependency=~"postgres|redis|amqp"} == 1) == 3', "postgres, redis and amqp up"),
    ("each", "count by (instance) (veza_redis_fallback_active == 0)", "Redis fallback off"),
    ("each", "veza_ws_connections + 1", "WebSocket gauge exported"),
]


def prom_query(prom: str, expr: str):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    status, body = http("GET", url)
    return status, body


def exposition_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 4:
                base, kind = parts[2], parts[3]
                names.add(base)
                if kind == "histogram":
                    names.update({base + "_bucket", base + "_sum", base + "_count"})
                elif kind == "summary":
                    names.update({base + "_sum", base + "_count"})
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def wait_for(what, pred, timeout):
    deadline = time.monotonic() + timeout
    while True:
        ok, detail = pred()
        if ok:
            return detail
        if time.monotonic() > deadline:
            raise SystemExit(f"live check: timed out waiting for {what}: {detail}")
        time.sleep(0.5)


def cmd_check(a):
    prom = a.prometheus.rstrip("/")
    nodes = [n.rstrip("/") for n in a.nodes.split(",")]
    instances = {n.split("://", 1)[1] for n in nodes}
    since = a.since
    failures: list[str] = []
    passed: list[str] = []

    # Scrapes: both targets up, each scraped after the load ended, several times.
    def targets_ready():
        _, body = http("GET", f"{prom}/api/v1/targets?state=active")
        active = [t for t in body["data"]["activeTargets"] if t["labels"].get("job") == "veza"]
        seen = {t["labels"]["instance"]: t for t in active}
        if set(seen) != instances:
            return False, f"targets {sorted(seen)} (want {sorted(instances)})"
        for inst, t in seen.items():
            last = t.get("lastScrape", "")
            ts = datetime.fromisoformat(last).timestamp() if last else 0
            if t["health"] != "up" or ts < since + 1:
                return False, f"{inst}: health {t['health']}, last scrape {last} {t.get('lastError', '')}"
        _, body = http("GET", f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": 'count_over_time(up{job="veza"}[1m])'}))
        counts = {r["metric"]["instance"]: float(r["value"][1]) for r in body["data"]["result"]}
        if len(counts) != len(instances) or min(counts.values()) < 5:
            return False, f"scrapes so far {counts}"
        return True, counts

    scrapes = wait_for("two targets up and scraped after the load", targets_ready, 30)
    _, body = http("GET", f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": 'up{job="veza"} == 1'}))
    up = sorted(r["metric"]["instance"] for r in body["data"]["result"])
    if up != sorted(instances):
        failures.append(f"up{{job=\"veza\"}} == 1 for {up}, want {sorted(instances)}")
    else:
        passed.append(f"both targets up ({', '.join(up)}; scrapes in the last minute: {sorted(int(v) for v in scrapes.values())})")

    # The dashboard's `instance` variable: label_values(veza_build_info, instance).
    _, body = http("GET", f"{prom}/api/v1/label/instance/values?" + urllib.parse.urlencode({"match[]": "veza_build_info"}))
    values = sorted(body.get("data") or [])
    _, body = prom_query(prom, "count by (node) (veza_build_info)")
    node_ids = sorted(r["metric"].get("node", "") for r in body["data"]["result"])
    if values != sorted(instances) or len(node_ids) != len(instances):
        failures.append(f"dashboard variable instance lists {values}, veza_build_info nodes {node_ids}; want {sorted(instances)}")
    else:
        passed.append(f"dashboard variable instance lists both nodes (veza_build_info nodes {', '.join(node_ids)})")

    # Expressions from the rules and the dashboard.
    groups = rule_groups(Path(a.rules_dir))
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    exprs: list[tuple[str, str]] = []  # (where, promql)
    for g in groups:
        for r in g["rules"]:
            exprs.append((f"rule {r.get('record') or r.get('alert')}", r["expr"]))
    panel_exprs = [(title, grafana_to_promql(e)) for title, e in dashboard_targets(Path(a.dashboard))]
    exprs += [(f"panel {t!r}", e) for t, e in panel_exprs]
    if any("vector(0)" in e.replace(" ", "") for _, e in exprs):
        failures.append("an expression pads with vector(0)")

    used: dict[str, list[str]] = {}
    for where, e in exprs:
        for name in metric_names(e) - recorded - {"up"}:
            used.setdefault(name, []).append(where)

    # Every name used is in every node's own /metrics.
    missing: dict[str, list[str]] = {}
    for i, node in enumerate(nodes, 1):
        _, text, _ = http("GET", f"{node}/metrics", expect=200, raw=True)
        if a.save_dir:
            Path(a.save_dir).mkdir(parents=True, exist_ok=True)
            (Path(a.save_dir) / f"node-{i}.metrics").write_bytes(text)
        have = exposition_names(text.decode())
        for name in sorted(set(used) - have):
            missing.setdefault(name, []).append(node.split("://", 1)[1])
    if missing:
        lines = [f"  {name:<45} missing on {', '.join(where)}; used by {', '.join(sorted(set(used[name])))}" for name, where in sorted(missing.items())]
        failures.append(f"{len(missing)} of {len(used)} metric names used by rules or panels are missing from the nodes' /metrics:\n" + "\n".join(lines))
    else:
        passed.append(f"all {len(used)} metric names used by rules and panels are in both nodes' /metrics")

    # Every expression parses and runs; the traffic panels return data.
    bad = []
    empty = []
    no_series = []
    for where, e in exprs:
        status, body = prom_query(prom, e)
        if status != 200 or not isinstance(body, dict) or body.get("status") != "success":
            err = body.get("error") if isinstance(body, dict) else body
            bad.append(f"  {where}: {err}\n    {e}")
            continue
        result = body["data"]["result"]
        if where.startswith("panel ") and where[7:-1].startswith(TRAFFIC_PANELS):
            finite = [r for r in result if not math.isnan(float(r["value"][1]))]
            if not finite:
                empty.append(f"  {where}: {len(result)} series, none with a value\n    {e}")
        elif where.startswith("panel ") and not result:
            # Every panel shows series (a pre-set family reads 0, not "no data").
            no_series.append(f"  {where}: no series\n    {e}")
    if bad:
        failures.append(f"{len(bad)} expressions refused by /api/v1/query:\n" + "\n".join(bad))
    else:
        passed.append(f"all {len(exprs)} expressions ({len(exprs) - len(panel_exprs)} rules, {len(panel_exprs)} panel targets) accepted by /api/v1/query")
    traffic = sum(1 for w, _ in exprs if w.startswith("panel ") and w[7:-1].startswith(TRAFFIC_PANELS))
    titles = {t for t, _ in panel_exprs}
    renamed = [p for p in TRAFFIC_PANELS if not any(t.startswith(p) for t in titles)]
    if renamed:
        failures.append(f"traffic panels not found in the dashboard (renamed? update TRAFFIC_PANELS): {renamed}")
    if empty:
        failures.append(f"{len(empty)} of {traffic} traffic panel targets return no data after the load:\n" + "\n".join(empty))
    else:
        passed.append(f"all {traffic} traffic panel targets return data")
    if no_series:
        failures.append(f"{len(no_series)} panel targets return no series:\n" + "\n".join(no_series))
    else:
        passed.append(f"all {len(panel_exprs)} panel targets return series")

    # What the load did shows in the series: each (expression, what it means) must return a
    # series per node ("each") or at least one ("any") with a value above 0.
    moved_bad = []
    for scope, expr, meaning in MOVED:
        _, body = prom_query(prom, expr)
        result = body["data"]["result"] if isinstance(body, dict) and body.get("status") == "success" else []
        got = {r["metric"].get("instance", "*") for r in result if float(r["value"][1]) > 0}
        if (scope == "each" and not instances <= got) or (scope == "any" and not got):
            where = f"nodes with a value: {sorted(got) or 'none'}" if scope == "each" else "no series above 0"
            moved_bad.append(f"  {meaning}: {where}\n    {expr}")
    if moved_bad:
        failures.append(f"{len(moved_bad)} of {len(MOVED)} series the load should have moved did not:\n" + "\n".join(moved_bad))
    else:
        passed.append(f"all {len(MOVED)} series the load moves did move (chat across nodes, problems, offers, tracks, server API, disks, dependencies)")

    # Rule groups: loaded, every rule evaluated with health ok.
    want = {(g["name"], len(g["rules"])) for g in groups}

    def rules_evaluated():
        _, body = http("GET", f"{prom}/api/v1/rules")
        loaded = body["data"]["groups"]
        got = {(g["name"], len(g["rules"])) for g in loaded}
        if not want <= got:
            return False, f"groups loaded {sorted(got)}, want {sorted(want)}"
        pending = [r["name"] for g in loaded for r in g["rules"] if r.get("health") == "unknown"]
        if pending:
            return False, f"not evaluated yet: {pending}"
        return True, loaded

    loaded = wait_for("every rule evaluated", rules_evaluated, 15)
    unhealthy = [f"  {g['name']}/{r['name']}: {r['health']} {r.get('lastError', '')}" for g in loaded for r in g["rules"] if r["health"] != "ok"]
    if unhealthy:
        failures.append("rules not healthy:\n" + "\n".join(unhealthy))
    else:
        passed.append(f"{len(loaded)} rule groups loaded, {sum(len(g['rules']) for g in loaded)} rules healthy")
    firing = sorted({r["name"] for g in loaded for r in g["rules"] if r.get("type") == "alerting" and r.get("state") == "firing"})
    if firing:
        print(f"live check: note: alerts firing during the run: {', '.join(firing)}")

    for p in passed:
        print(f"live check: ok: {p}")
    for f in failures:
        print(f"live check: FAILED: {f}")
    if failures:
        if missing:
            print("live check: missing metric names: " + " ".join(sorted(missing)))
        sys.exit(1)


def cmd_wait_scraped(a):
    """Until Prometheus holds two scrapes of each node: counters the load moves then have a
    sample from before it, so rates over the load are not empty."""
    prom = a.prometheus.rstrip("/")
    instances = {n.split("://", 1)[-1] for n in a.nodes.split(",")}

    def scraped():
        _, body = http("GET", f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": 'count_over_time(up{job="veza"}[1m])'}))
        counts = {r["metric"]["instance"]: float(r["value"][1]) for r in body["data"]["result"]}
        return set(counts) == instances and min(counts.values()) >= 2, counts

    wait_for("two scrapes of each node", scraped, 30)


def cmd_names(a):
    groups = rule_groups(Path(a.rules_dir))
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    names = set()
    for g in groups:
        for r in g["rules"]:
            names |= metric_names(r["expr"])
    for _, e in dashboard_targets(Path(a.dashboard)):
        names |= metric_names(grafana_to_promql(e))
    for n in sorted(names - recorded - {"up"}):
        print(n)


def cmd_drop_exchange(a):
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(a.url))
    try:
        conn.channel().exchange_delete(exchange=a.exchange)
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("config")
    c.add_argument("--template", required=True)
    c.add_argument("--rules-dir", required=True)
    c.add_argument("--targets-file", required=True)
    c.add_argument("--nodes", required=True, help="host:port,host:port")
    c.add_argument("--out", required=True)
    c = sub.add_parser("load")
    c.add_argument("--node1", required=True)
    c.add_argument("--node2", required=True)
    c.add_argument("--admin", required=True)
    c.add_argument("--admin-password", required=True)
    c.add_argument("--api-key", default="")
    c.add_argument("--audio", required=True)
    c.add_argument("--messages", type=int, default=20)
    c = sub.add_parser("check")
    c.add_argument("--prometheus", required=True)
    c.add_argument("--nodes", required=True, help="http://host:port,http://host:port")
    c.add_argument("--rules-dir", required=True)
    c.add_argument("--dashboard", required=True)
    c.add_argument("--since", type=float, required=True, help="unix time the load ended")
    c.add_argument("--save-dir", default="", help="write each node's /metrics text here")
    for name in ("names",):
        c = sub.add_parser(name)
        c.add_argument("--rules-dir", required=True)
        c.add_argument("--dashboard", required=True)
    c = sub.add_parser("wait-scraped")
    c.add_argument("--prometheus", required=True)
    c.add_argument("--nodes", required=True, help="host:port,host:port")
    c = sub.add_parser("drop-exchange")
    c.add_argument("--url", required=True)
    c.add_argument("--exchange", required=True)
    a = p.parse_args()
    {"config": cmd_config, "load": cmd_load, "check": cmd_check, "names": cmd_names, "wait-scraped": cmd_wait_scraped, "drop-exchange": cmd_drop_exchange}[a.cmd](a)


if __name__ == "__main__":
    main()
