#!/usr/bin/env python3
"""`make k8s-check` (scripts/k8s-check.sh runs this in its pinned venv).

Renders deploy/k8s without kustomize: base/ (the files its kustomization.yaml lists), then each
overlay (overlays/*/overlay.yaml: its RFC 6902 JSON Patches applied here to the named base
resources, then its namespace and labels, in kustomize's order). Every rendered manifest, the
base's extra manifests and a canary that must be refused go through `kubernetes-validate
--strict` for each Kubernetes version asked. Then, per rendered variant, the checks
kubernetes-validate cannot make (grace period against the drain timings, ports, selectors, HPA
target and metric, PDB, config keys, writable paths, egress); and when kubectl is on PATH, its
built-in kustomize renders the same directories and must give the same documents.

Anything unexpected fails: a patch that does not apply, a target that names no resource, a file
nobody references, a kind without a schema, a manifest the validator did not report on.
"""

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from pathlib import Path

import jsonpatch
import jsonpointer
import yaml

HERE = Path(__file__).resolve().parent  # deploy/k8s
REPO = HERE.parent.parent
BASE = HERE / "base"
OVERLAYS = HERE / "overlays"
CONFIG_DIR = REPO / "config"

# The base files that are not deployed by its kustomization but are checked all the same.
SECRET_EXAMPLE = BASE / "secret.example.yaml"
ADAPTER_CONFIGMAP = BASE / "prometheus-adapter" / "configmap.yaml"
ADAPTER_VALUES = BASE / "prometheus-adapter" / "values.yaml"  # Helm values, not a manifest

# Config keys other sessions are adding; each may leave this list once config/default.toml has it.
PENDING_KEYS = {"database.read_url"}
# Variables the node or its runtime read that are not VEZA__ config keys.
OTHER_ENV = {"VEZA_ENV", "VEZA_CONFIG_DIR", "TMPDIR", "RUST_LOG", "RUST_BACKTRACE"}
# Seconds the grace period must leave after preStop + drain delay + drain grace.
MIN_MARGIN_S = 10
CONTAINER = "veza"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass",
                  "CustomResourceDefinition", "PersistentVolume", "IngressClass"}
# What k8s_check.py models of a kustomization, and of an overlay manifest.
KUSTOMIZATION_KEYS = {"apiVersion", "kind", "namespace", "resources", "labels", "patches"}
OVERLAY_KEYS = {"base", "namespace", "labels", "patches"}


class CheckError(Exception):
    pass


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return str(p)


def load_docs(path: Path) -> list:
    try:
        with path.open() as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        raise CheckError(f"{rel(path)}: cannot read YAML: {e}") from e


def load_one(path: Path):
    docs = load_docs(path)
    if len(docs) != 1:
        raise CheckError(f"{rel(path)}: expected one YAML document, found {len(docs)}")
    return docs[0]


def key_of(doc: dict) -> tuple:
    return (doc["kind"], doc["metadata"]["name"])


def manifest(path: Path) -> list:
    """The Kubernetes objects of a file, each with kind, apiVersion and metadata.name."""
    out = []
    for doc in load_docs(path):
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind") \
                or not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
            raise CheckError(f"{rel(path)}: a document without apiVersion, kind and metadata.name")
        out.append(doc)
    return out


# ---------------------------------------------------------------------------------- rendering

def render_base() -> tuple:
    """(documents the base kustomization deploys, extra manifests checked beside them)."""
    kust = load_one(BASE / "kustomization.yaml")
    unknown = set(kust) - {"apiVersion", "kind", "resources"}
    if kust.get("kind") != "Kustomization" or unknown:
        raise CheckError(f"{rel(BASE / 'kustomization.yaml')}: a Kustomization with only `resources` "
                         f"is modelled here (found {sorted(unknown) or kust.get('kind')})")
    docs, seen, listed = [], set(), set()
    for name in kust.get("resources") or []:
        path = (BASE / name).resolve()
        if path.parent != BASE or not path.is_file():
            raise CheckError(f"base/kustomization.yaml: resource {name}: not a file in base/")
        listed.add(path)
        for doc in manifest(path):
            if key_of(doc) in seen:
                raise CheckError(f"{rel(path)}: {doc['kind']}/{doc['metadata']['name']} defined twice")
            seen.add(key_of(doc))
            docs.append(doc)
    extras = []
    for path in sorted(BASE.rglob("*")):
        if path.is_dir() or path in listed or path.name == "kustomization.yaml":
            continue
        if path in (SECRET_EXAMPLE, ADAPTER_CONFIGMAP):
            extras.extend((path, d) for d in manifest(path))
        elif path == ADAPTER_VALUES:
            load_one(path)
        else:
            raise CheckError(f"{rel(path)}: neither in base/kustomization.yaml nor known to "
                             "deploy/k8s/k8s_check.py (list it, or teach the check what it is)")
    return docs, extras


def apply_labels(doc: dict, labels: dict) -> None:
    doc["metadata"].setdefault("labels", {}).update(labels)
    if doc["kind"] in WORKLOAD_KINDS:
        tmeta = doc.setdefault("spec", {}).setdefault("template", {}).setdefault("metadata", {})
        tmeta.setdefault("labels", {}).update(labels)


def render_overlay(odir: Path, base_docs: list) -> list:
    odir = odir.resolve()
    spec = load_one(odir / "overlay.yaml")
    where = rel(odir / "overlay.yaml")
    if not isinstance(spec, dict) or set(spec) - OVERLAY_KEYS:
        raise CheckError(f"{where}: keys {sorted(OVERLAY_KEYS)} only")
    if (odir / spec.get("base", "")).resolve() != BASE:
        raise CheckError(f"{where}: base must be {rel(BASE)}")
    docs = copy.deepcopy(base_docs)
    used = {odir / "overlay.yaml", odir / "kustomization.yaml"}
    for i, entry in enumerate(spec.get("patches") or []):
        target, pfile = entry.get("target") or {}, entry.get("path")
        if set(entry) != {"path", "target"} or set(target) != {"kind", "name"} or not pfile:
            raise CheckError(f"{where}: patch {i}: needs `path` and `target: {{kind, name}}` only")
        ppath = (odir / pfile).resolve()
        if not ppath.is_file() or odir not in ppath.parents:
            raise CheckError(f"{where}: patch {pfile}: no such file in {rel(odir)}")
        used.add(ppath)
        hits = [d for d in docs if key_of(d) == (target["kind"], target["name"])]
        if len(hits) != 1:
            raise CheckError(f"{where}: patch {pfile} targets {target['kind']}/{target['name']}, "
                             "which the base does not have")
        ops = load_one(ppath)
        if not isinstance(ops, list) or not ops:
            raise CheckError(f"{rel(ppath)}: an RFC 6902 patch is a non-empty list of operations")
        try:
            patched = jsonpatch.JsonPatch(ops).apply(hits[0])
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, KeyError, TypeError) as e:
            raise CheckError(f"{rel(ppath)} does not apply to {target['kind']}/{target['name']}: "
                             f"{type(e).__name__}: {e}") from e
        if key_of(patched) != key_of(hits[0]):
            raise CheckError(f"{rel(ppath)}: a patch may not change a resource's kind or name")
        docs[docs.index(hits[0])] = patched
    stray = sorted(rel(p) for p in odir.rglob("*") if p.is_file() and p.resolve() not in used)
    if stray:
        raise CheckError(f"{where}: files no patch entry names: {', '.join(stray)}")
    # kustomize's order: patches, then the namespace, then the labels.
    for doc in docs:
        if spec.get("namespace") and doc["kind"] not in CLUSTER_SCOPED:
            doc["metadata"]["namespace"] = spec["namespace"]
        if spec.get("labels"):
            apply_labels(doc, spec["labels"])
    check_kustomization_agrees(odir, spec)
    return docs


def check_kustomization_agrees(odir: Path, spec: dict) -> None:
    kpath = odir / "kustomization.yaml"
    kust = load_one(kpath)
    where = rel(kpath)
    if kust.get("kind") != "Kustomization" or set(kust) - KUSTOMIZATION_KEYS:
        raise CheckError(f"{where}: keys {sorted(KUSTOMIZATION_KEYS)} only (what overlay.yaml can say)")
    if kust.get("resources") != [spec["base"]]:
        raise CheckError(f"{where}: resources must be [{spec['base']}], as overlay.yaml's base")
    if kust.get("namespace") != spec.get("namespace"):
        raise CheckError(f"{where}: namespace {kust.get('namespace')!r}, overlay.yaml says {spec.get('namespace')!r}")
    want_labels = [{"pairs": spec["labels"], "includeSelectors": False, "includeTemplates": True}] \
        if spec.get("labels") else None
    if kust.get("labels") != want_labels:
        raise CheckError(f"{where}: labels must be {want_labels} (overlay.yaml's labels; selectors untouched)")
    if kust.get("patches") != spec.get("patches"):
        raise CheckError(f"{where}: patches differ from overlay.yaml's (same paths, targets and order)")


# ---------------------------------------------------------------------------- semantic checks

def config_keys() -> set:
    """Every key of config/default.toml, dotted, including the commented-out optional ones."""
    text = (CONFIG_DIR / "default.toml").read_text()
    keys = set()

    def walk(prefix, table):
        for k, v in table.items():
            if isinstance(v, dict):
                walk(f"{prefix}{k}.", v)
            else:
                keys.add(f"{prefix}{k}")
    walk("", tomllib.loads(text))
    section = ""
    for line in text.splitlines():
        m = re.match(r"^\[([a-z0-9_.]+)\]\s*$", line)
        if m:
            section = m.group(1) + "."
        m = re.match(r"^#\s*([a-z_][a-z0-9_]*)\s*=\s*\S", line)
        if m:
            keys.add(section + m.group(1))
    return keys


def flat_toml(path: Path) -> dict:
    out = {}

    def walk(prefix, table):
        for k, v in table.items():
            if isinstance(v, dict):
                walk(f"{prefix}{k}.", v)
            else:
                out[f"{prefix}{k}"] = v
    if path.is_file():
        walk("", tomllib.loads(path.read_text()))
    return out


def env_key(name: str) -> str:
    return name[len("VEZA__"):].lower().replace("__", ".")


def find(docs: list, kind: str, name: str = None) -> list:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def the_container(pod: dict, where: str) -> dict:
    cs = [c for c in pod.get("containers", []) if c.get("name") == CONTAINER]
    if len(cs) != 1:
        raise CheckError(f"{where}: no container named {CONTAINER}")
    return cs[0]


def matches(selector: dict, labels: dict, where: str) -> bool:
    if set(selector) - {"matchLabels"}:
        raise CheckError(f"{where}: only matchLabels selectors are modelled by the check")
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def port_exists(port, container: dict) -> bool:
    ports = container.get("ports") or []
    if isinstance(port, str):
        return any(p.get("name") == port for p in ports)
    return any(p.get("containerPort") == port for p in ports)


def url_port(url: str, defaults: dict):
    u = urllib.parse.urlsplit(url)
    return u.port or defaults.get(u.scheme)


def effective_config(docs: list, secret: dict, container: dict, where: str) -> tuple:
    """The node's config as the pod would load it, and every variable name set, by source."""
    env, names = {}, []
    for src in container.get("envFrom") or []:
        if "configMapRef" in src:
            ref = src["configMapRef"]["name"]
            cms = find(docs, "ConfigMap", ref)
            if not cms:
                raise CheckError(f"{where}: envFrom names ConfigMap/{ref}, which is not rendered")
            data = cms[0].get("data") or {}
        elif "secretRef" in src:
            ref = src["secretRef"]["name"]
            if secret["metadata"]["name"] != ref:
                raise CheckError(f"{where}: envFrom names Secret/{ref}; the example is {secret['metadata']['name']}")
            data = secret.get("stringData") or {}
        else:
            raise CheckError(f"{where}: envFrom entries other than configMapRef/secretRef are not modelled")
        env.update(data)
        names.extend((n, f"{'ConfigMap' if 'configMapRef' in src else 'Secret'}/{ref}") for n in data)
    for e in container.get("env") or []:
        env[e["name"]] = e.get("value", "<from valueFrom>")
        names.append((e["name"], "env"))
    cfg = flat_toml(CONFIG_DIR / "default.toml")
    venv = env.get("VEZA_ENV", "development")
    if not (CONFIG_DIR / f"{venv}.toml").is_file():
        raise CheckError(f"{where}: VEZA_ENV={venv}: no config/{venv}.toml")
    cfg.update(flat_toml(CONFIG_DIR / f"{venv}.toml"))
    cfg.update({env_key(k): v for k, v in env.items() if k.startswith("VEZA__")})
    return cfg, env, names


def pre_stop_seconds(container: dict, where: str) -> int:
    hook = (container.get("lifecycle") or {}).get("preStop")
    if not hook:
        raise CheckError(f"{where}: container {CONTAINER} has no preStop hook")
    if "sleep" in hook:
        return int(hook["sleep"]["seconds"])
    cmd = (hook.get("exec") or {}).get("command") or []
    if len(cmd) == 2 and Path(cmd[0]).name == "sleep" and cmd[1].isdigit():
        return int(cmd[1])
    raise CheckError(f"{where}: preStop is neither `sleep N` nor the sleep action: {hook}")


def adapter_metrics(extras: list) -> set:
    cms = [d for _, d in extras if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "prometheus-adapter"]
    if len(cms) != 1:
        raise CheckError(f"{rel(ADAPTER_CONFIGMAP)}: expected the ConfigMap prometheus-adapter")
    rules = yaml.safe_load(cms[0]["data"]["config.yaml"]).get("rules") or []
    values = load_one(ADAPTER_VALUES)
    if (values.get("rules") or {}).get("custom") != rules:
        raise CheckError(f"{rel(ADAPTER_VALUES)}: rules.custom differs from the ConfigMap's config.yaml rules")
    names = set()
    for r in rules:
        series = re.match(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", r.get("seriesQuery", ""))
        overrides = (r.get("resources") or {}).get("overrides") or {}
        if not series:
            raise CheckError(f"{rel(ADAPTER_CONFIGMAP)}: a rule without a metric in seriesQuery")
        if overrides.get("namespace") != {"resource": "namespace"} or overrides.get("pod") != {"resource": "pod"}:
            raise CheckError(f"{rel(ADAPTER_CONFIGMAP)}: rule for {series.group(1)} does not map "
                             "the namespace and pod labels to their resources (a Pods metric needs both)")
        name = r.get("name") or {}
        if name.get("matches") and not re.search(name["matches"], series.group(1)):
            raise CheckError(f"{rel(ADAPTER_CONFIGMAP)}: name.matches {name['matches']} misses {series.group(1)}")
        names.add(name.get("as") or series.group(1))
    return names


def semantic(variant: str, docs: list, extras: list) -> list:
    """The checks kubernetes-validate cannot make; returns one note per check passed."""
    notes = []
    deps = find(docs, "Deployment")
    if len(deps) != 1:
        raise CheckError(f"{variant}: expected one Deployment, found {len(deps)}")
    dep = deps[0]
    where = f"{variant}: Deployment/{dep['metadata']['name']}"
    tmpl = dep["spec"]["template"]
    pod, plabels = tmpl["spec"], tmpl["metadata"].get("labels") or {}
    c = the_container(pod, where)
    secret = next(d for p, d in extras if p == SECRET_EXAMPLE)
    cfg, env, names = effective_config(docs, secret, c, where)

    # 1. The grace period covers preStop + drain delay + drain grace, with a margin.
    pre = pre_stop_seconds(c, where)
    delay, grace = int(cfg["drain.delay_ms"]) / 1000, int(cfg["drain.grace_ms"]) / 1000
    tgps = pod.get("terminationGracePeriodSeconds", 30)
    need = pre + delay + grace + MIN_MARGIN_S
    arith = f"preStop {pre:g} + drain.delay {delay:g} + drain.grace {grace:g} + margin {MIN_MARGIN_S} = {need:g} s"
    if tgps < need:
        raise CheckError(f"{where}: terminationGracePeriodSeconds {tgps} < {arith}")
    notes.append(f"grace {tgps} s >= {arith}")

    # 2. Every port a probe, the Service or the NetworkPolicy names is a port of the container.
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        p = c.get(probe)
        if not p:
            raise CheckError(f"{where}: no {probe}")
        action = p.get("httpGet") or p.get("tcpSocket") or p.get("grpc") or {}
        if not port_exists(action.get("port"), c):
            raise CheckError(f"{where}: {probe} uses port {action.get('port')!r}, which the container does not declare")
    want_paths = {"livenessProbe": "/health", "startupProbe": "/health", "readinessProbe": "/ready"}
    for probe, path in want_paths.items():
        if (c[probe].get("httpGet") or {}).get("path") != path:
            raise CheckError(f"{where}: {probe} must GET {path}")
    for svc in find(docs, "Service"):
        for sp in svc["spec"]["ports"]:
            if not port_exists(sp.get("targetPort", sp["port"]), c):
                raise CheckError(f"{variant}: Service/{svc['metadata']['name']} port {sp['name']} targets "
                                 f"{sp.get('targetPort')!r}, not a container port")
    for np in find(docs, "NetworkPolicy"):
        for rule in np["spec"].get("ingress") or []:
            for p in rule.get("ports") or []:
                if not port_exists(p["port"], c):
                    raise CheckError(f"{variant}: NetworkPolicy/{np['metadata']['name']} admits port "
                                     f"{p['port']!r}, not a container port")
    grpc_port = int(cfg["grpc.port"])
    if str(cfg["grpc.enabled"]).lower() == "true" and not any(
            p.get("name") == "grpc" and p.get("containerPort") == grpc_port for p in c["ports"]):
        raise CheckError(f"{where}: grpc.enabled on {grpc_port}, but no container port `grpc` {grpc_port}")
    if not any(p.get("name") == "http" and p.get("containerPort") == int(cfg["server.port"]) for p in c["ports"]):
        raise CheckError(f"{where}: server.port {cfg['server.port']} is not the container port `http`")
    notes.append("ports")

    # 3. Every selector selects the pods.
    if not matches(dep["spec"]["selector"], plabels, where):
        raise CheckError(f"{where}: selector does not match the pod template's labels")
    for kind, getter in (("Service", lambda d: {"matchLabels": d["spec"]["selector"]}),
                         ("PodDisruptionBudget", lambda d: d["spec"]["selector"]),
                         ("NetworkPolicy", lambda d: d["spec"]["podSelector"])):
        for d in find(docs, kind):
            if not matches(getter(d), plabels, f"{variant}: {kind}/{d['metadata']['name']}"):
                raise CheckError(f"{variant}: {kind}/{d['metadata']['name']} does not select the Veza pods")
    aff = ((pod.get("affinity") or {}).get("podAntiAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution") or []
    if not any(t["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
               and matches(t["podAffinityTerm"]["labelSelector"], plabels, where) for t in aff):
        raise CheckError(f"{where}: no preferred podAntiAffinity over kubernetes.io/hostname selecting its pods")
    if not any(t["topologyKey"] == "topology.kubernetes.io/zone" and matches(t["labelSelector"], plabels, where)
               for t in pod.get("topologySpreadConstraints") or []):
        raise CheckError(f"{where}: no topologySpreadConstraint over zones selecting its pods")
    notes.append("selectors")

    # 4. The HPA scales this Deployment, within bounds that hold its replicas, on metrics served.
    hpas = find(docs, "HorizontalPodAutoscaler")
    if len(hpas) != 1:
        raise CheckError(f"{variant}: expected one HorizontalPodAutoscaler")
    hpa = hpas[0]["spec"]
    ref = hpa["scaleTargetRef"]
    if (ref.get("apiVersion"), ref["kind"], ref["name"]) != ("apps/v1", "Deployment", dep["metadata"]["name"]):
        raise CheckError(f"{variant}: the HPA targets {ref}, not Deployment/{dep['metadata']['name']}")
    lo, hi, reps = hpa.get("minReplicas", 1), hpa["maxReplicas"], dep["spec"].get("replicas", 1)
    if not lo <= reps <= hi:
        raise CheckError(f"{variant}: Deployment replicas {reps} outside the HPA's {lo}..{hi}")
    served = adapter_metrics(extras)
    kinds = {m["type"] for m in hpa["metrics"]}
    if not {"Resource", "Pods"} <= kinds:
        raise CheckError(f"{variant}: the HPA must scale on CPU (Resource) and on a Pods metric")
    for m in hpa["metrics"]:
        if m["type"] == "Pods" and m["pods"]["metric"]["name"] not in served:
            raise CheckError(f"{variant}: the HPA's Pods metric {m['pods']['metric']['name']} is not one the "
                             f"Prometheus adapter rule serves ({sorted(served)})")
        if m["type"] == "Resource" and m["resource"]["target"]["type"] == "Utilization" \
                and m["resource"]["name"] not in ((c.get("resources") or {}).get("requests") or {}):
            raise CheckError(f"{where}: HPA utilization of {m['resource']['name']} needs a request for it")
    if not (c.get("resources") or {}).get("limits", {}).get("memory"):
        raise CheckError(f"{where}: no memory limit")
    notes.append(f"hpa {lo}..{hi} on {'+'.join(sorted(served))}")

    # 5. The PDB says one thing, and lets a node drain proceed at the HPA's minimum.
    for pdb in find(docs, "PodDisruptionBudget"):
        s = pdb["spec"]
        if ("minAvailable" in s) == ("maxUnavailable" in s):
            raise CheckError(f"{variant}: PodDisruptionBudget sets both or neither of minAvailable/maxUnavailable")
        if isinstance(s.get("minAvailable"), int) and s["minAvailable"] >= lo:
            raise CheckError(f"{variant}: PDB minAvailable {s['minAvailable']} >= HPA minReplicas {lo}: "
                             "no pod could ever be evicted at the minimum")
    notes.append("pdb")

    # 6. Every VEZA__ variable names a config key (the node refuses unknown ones at start).
    known = config_keys() | PENDING_KEYS
    for name, src in names:
        if name.startswith("VEZA__"):
            if env_key(name) not in known:
                raise CheckError(f"{variant}: {src}: {name} is no key of config/default.toml ({env_key(name)})")
        elif name not in OTHER_ENV and not name.startswith("VEZA_SETTING__"):
            raise CheckError(f"{variant}: {src}: {name} is read by nothing the check knows")
    notes.append("config keys")

    # 7. Blobs on S3; every path the node writes is on a writable volume.
    store = str(cfg["tracks.storage_url"])
    if not store.startswith("s3://"):
        raise CheckError(f"{variant}: tracks.storage_url {store}: blobs on a pod's disk (use s3://)")
    for k in ("tracks.s3.access_key_id", "tracks.s3.secret_access_key"):
        if not cfg.get(k):
            raise CheckError(f"{variant}: {k} is not set (Secret)")
    sc = c.get("securityContext") or {}
    if not sc.get("readOnlyRootFilesystem"):
        raise CheckError(f"{where}: readOnlyRootFilesystem is not set")
    mounts = [m["mountPath"].rstrip("/") for m in c.get("volumeMounts") or [] if not m.get("readOnly")]
    writable = {"search.dir": cfg["search.dir"], "tracks.tmp_dir": cfg["tracks.tmp_dir"] or env.get("TMPDIR", "/tmp"),
                "TMPDIR": env.get("TMPDIR", "/tmp")}
    if cfg.get("log.file_dir"):
        writable["log.file_dir"] = cfg["log.file_dir"]
    for what, path in writable.items():
        if not any(path == m or path.startswith(m + "/") for m in mounts):
            raise CheckError(f"{where}: {what} {path} is on the read-only root filesystem (no volume there)")
    if not any(m == "/var/log/veza" for m in mounts):
        raise CheckError(f"{where}: no volume at /var/log/veza for log.file_dir")
    notes.append("s3 + writable paths")

    # 8. The pod's service account mounts no token.
    sa = pod.get("serviceAccountName")
    sas = find(docs, "ServiceAccount", sa) if sa else []
    if not sas or sas[0].get("automountServiceAccountToken") is not False \
            or pod.get("automountServiceAccountToken") is not False:
        raise CheckError(f"{where}: needs its own ServiceAccount with automountServiceAccountToken: false")
    notes.append("service account")

    # 9. Egress lets the node reach what its config names.
    allowed = set()
    for np in find(docs, "NetworkPolicy"):
        for rule in np["spec"].get("egress") or []:
            for p in rule.get("ports") or [{"port": "*", "protocol": "TCP"}]:
                allowed.add((p.get("protocol", "TCP"), p["port"]))
    need_out = {"DNS": ("UDP", 53)}
    for k, defaults in (("database.url", {"postgres": 5432, "postgresql": 5432}),
                        ("database.read_url", {"postgres": 5432, "postgresql": 5432}),
                        ("redis.url", {"redis": 6379, "rediss": 6379}),
                        ("amqp.url", {"amqp": 5672, "amqps": 5671}),
                        ("telemetry.otlp_endpoint", {"http": 80, "https": 443}),
                        ("tracks.s3.endpoint", {"http": 80, "https": 443})):
        if cfg.get(k):
            need_out[k] = ("TCP", url_port(str(cfg[k]), defaults))
    if not cfg.get("tracks.s3.endpoint"):
        need_out["S3"] = ("TCP", 443)
    for what, (proto, port) in need_out.items():
        if (proto, port) not in allowed and (proto, "*") not in allowed:
            raise CheckError(f"{variant}: NetworkPolicy egress does not allow {proto} {port} ({what})")
    notes.append("egress " + ",".join(str(p) for _, p in sorted(set(need_out.values()), key=lambda x: x[1])))

    # 10. Production runs a released image.
    if variant == "production" and (c["image"].endswith(":latest") or ":" not in c["image"].split("/")[-1]):
        raise CheckError(f"{where}: production image {c['image']} is not a released tag")
    return notes


# --------------------------------------------------------------------------------- validation

CANARY = {  # must be refused: an unknown field under the strict schema
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "canary"},
    "spec": {"selector": {"matchLabels": {"a": "b"}}, "replicaz": 1,
             "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}},
}


def validate(validator: str, versions: list, files: list, canary: Path) -> list:
    """Every file through `kubernetes-validate --strict`: each must be reported passed for each
    version, nothing warned; the canary must be refused. Returns the failures."""
    cmd = [validator, "--strict"] + [a for v in versions for a in ("-k", v)] + [str(f) for f, _ in files] + [str(canary)]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        return [f"kubernetes-validate does not run: {e}"]
    passed, trouble, canary_refused = {}, [], False
    for line in run.stdout.splitlines() + run.stderr.splitlines():
        m = re.match(r"^INFO (\S+) passed for resource \S+ against version (\S+)$", line)
        if m:
            passed.setdefault(m.group(1), set()).add(m.group(2))
        elif line.startswith("ERROR " + str(canary)):
            canary_refused = True
        elif line.strip():
            trouble.append(f"kubernetes-validate: {line}")
    want = {".".join(v.split(".")[:2]) for v in versions}
    for f, label in files:
        got = passed.get(str(f), set())
        if got == want:
            print(f"  valid    {label}")
        else:
            print(f"  INVALID  {label}")
            trouble.append(f"{f.name}: validated against {sorted(got) or 'nothing'}, expected {sorted(want)}")
    if not canary_refused or run.returncode == 0:
        trouble.append("kubernetes-validate accepted the canary (an unknown field in a Deployment): "
                       "the validator is not checking strictly")
    else:
        print("  refused  the canary (a Deployment with an unknown field): the validator is strict")
    return trouble


def kustomize_agrees(variant: str, directory: Path, docs: list) -> str:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return "not run (no kubectl on PATH)"
    run = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True)
    if run.returncode != 0:
        raise CheckError(f"{variant}: kubectl kustomize {rel(directory)} failed: {run.stderr.strip()}")
    theirs = {key_of(d): d for d in yaml.safe_load_all(run.stdout) if d}
    ours = {key_of(d): d for d in docs}
    if set(theirs) != set(ours):
        raise CheckError(f"{variant}: kustomize renders {sorted(theirs)}, the check {sorted(ours)}")
    for k, d in ours.items():
        if json.dumps(d, sort_keys=True) != json.dumps(theirs[k], sort_keys=True):
            diff = jsonpatch.make_patch(d, theirs[k]).patch
            raise CheckError(f"{variant}: kustomize renders {k[0]}/{k[1]} differently: {diff[:3]}")
    return "same documents"


def write(out: Path, sub: str, docs: list) -> list:
    shutil.rmtree(out / sub, ignore_errors=True)  # a kept --out dir holds no stale manifest
    (out / sub).mkdir(parents=True)
    paths = []
    for i, d in enumerate(docs):
        f = out / sub / f"{i:02d}-{d['kind'].lower()}-{d['metadata']['name']}.yaml"
        f.write_text(yaml.safe_dump(d, sort_keys=False))
        paths.append(f)
    return paths


def label(variant: str, d: dict) -> str:
    ns = d["metadata"].get("namespace", "-")
    return f"{variant:<11} {d['apiVersion']:<21} {d['kind']:<24} {ns}/{d['metadata']['name']}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--validator", required=True, help="the kubernetes-validate executable")
    ap.add_argument("--kube-versions", default="1.31,1.37", help="comma separated, e.g. 1.31,1.37")
    ap.add_argument("--out", help="write the rendered manifests here (default: a temp dir, removed)")
    args = ap.parse_args()
    versions = [v.strip() for v in args.kube_versions.split(",") if v.strip()]
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="veza-k8s-"))
    started = time.monotonic()
    failures = []
    try:
        # Render: base, then every overlay (a broken overlay fails, the others still go on).
        try:
            base_docs, extras = render_base()
        except CheckError as e:
            print(f"k8s-check: FAILED: {e}", file=sys.stderr)
            return 1
        variants = {"base": (BASE, base_docs)}
        overlay_dirs = sorted(p for p in OVERLAYS.iterdir() if p.is_dir()) if OVERLAYS.is_dir() else []
        if not overlay_dirs:
            failures.append(f"{rel(OVERLAYS)}: no overlay")
        for odir in overlay_dirs:
            try:
                if not (odir / "overlay.yaml").is_file():
                    raise CheckError(f"{rel(odir)}: no overlay.yaml")
                variants[odir.name] = (odir, render_overlay(odir, base_docs))
            except CheckError as e:
                failures.append(str(e))
        files = []
        for variant, (_, docs) in variants.items():
            files += [(f, label(variant, d)) for f, d in zip(write(out, variant, docs), docs)]
        extra_docs = [d for _, d in extras]
        files += [(f, f"{label('(extra)', d)}  ({rel(src)})")
                  for f, d, (src, _) in zip(write(out, "base-extra", extra_docs), extra_docs, extras)]
        canary = out / "canary.yaml"
        canary.write_text(yaml.safe_dump(CANARY))

        # Schemas first: a schema error is the clearest message for a broken manifest.
        print(f"k8s-check: kubernetes-validate --strict, Kubernetes {', '.join(versions)}:")
        failures += validate(args.validator, versions, files, canary)

        # Then what the schemas cannot say, and kustomize's rendering of the same directories.
        for variant, (directory, docs) in variants.items():
            try:
                notes = semantic(variant, docs, extras)
                print(f"k8s-check: {variant}: {'; '.join(notes)}")
                print(f"k8s-check: {variant}: kustomize cross-check: {kustomize_agrees(variant, directory, docs)}")
            except CheckError as e:
                failures.append(str(e))
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, StopIteration) as e:
                failures.append(f"{variant}: the semantic checks cannot read the manifests "
                                f"({type(e).__name__}: {e})")
        took = time.monotonic() - started
        if failures:
            print("k8s-check: FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print(f"k8s-check: {len(files)} manifests valid, {len(variants)} variants checked ({took:.1f} s in the checker)")
        return 0
    finally:
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
