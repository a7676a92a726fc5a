"""Every `pattern` in the document must compile as the validators read it (jsonschema_rs, the
engine schemathesis uses, ignores a pattern it cannot compile: a rule would silently vanish)."""

import json
import sys
import urllib.request

import jsonschema_rs


def patterns(node, where="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from patterns(value, f"{where}/{i}")


doc = json.load(urllib.request.urlopen(sys.argv[1]))
bad = []
for where, pattern in patterns(doc):
    try:
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern}, validate_formats=False)
    except Exception as e:  # noqa: BLE001 - any refusal is a broken rule
        bad.append(f"{where}: {pattern!r}: {str(e).splitlines()[0]}")
print(f"contract: {sum(1 for _ in patterns(doc))} patterns compile" if not bad else "\n".join(bad))
sys.exit(1 if bad else 0)
