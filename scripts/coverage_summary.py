"""Per-crate line coverage from cargo-tarpaulin's JSON report (make coverage)."""

import json
import sys
from pathlib import Path

# Longest prefix first: a file belongs to the deepest crate whose directory holds it.
CRATES = [("core/src/", "veza-core"), ("actors/src/", "veza-actors"), ("src/", "veza (server)")]


def main(report: str) -> None:
    data = json.loads(Path(report).read_text())
    root = str(Path.cwd()) + "/"
    totals: dict[str, list[int]] = {}
    for f in data.get("files", []):
        path = "/".join(f["path"]) if isinstance(f["path"], list) else f["path"]
        path = path.replace("//", "/").removeprefix(root).lstrip("/")
        crate = next((name for prefix, name in CRATES if path.startswith(prefix)), None)
        if crate is None:
            continue
        t = totals.setdefault(crate, [0, 0])
        t[0] += f.get("covered", 0)
        t[1] += f.get("coverable", 0)
    print("| crate | lines covered | coverable | coverage |")
    print("|---|---:|---:|---:|")
    all_c = all_n = 0
    for _, name in CRATES:
        c, n = totals.get(name, [0, 0])
        all_c, all_n = all_c + c, all_n + n
        print(f"| {name} | {c} | {n} | {100 * c / max(n, 1):.1f}% |")
    print(f"| all | {all_c} | {all_n} | {100 * all_c / max(all_n, 1):.1f}% |")


if __name__ == "__main__":
    main(sys.argv[1])
