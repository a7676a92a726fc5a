"""Schemathesis hooks for `make contract` (loaded by contract/schemathesis.toml).

An Idempotency-Key names one request: a client makes a fresh one per action, and the server
answers a key reused with another body `idempotency_key_reused` (422), as it must. Generated
keys collide all the time ("0", "00", ...), so every well-formed generated key is made unique
here; malformed ones are left alone in negative cases, so the refusals of bad keys are still
tested. In positive cases a malformed key is a generator slip (schemathesis 4.32 does not
honour a header pattern it cannot turn into a strategy, and sent "ë" as a valid key): it is
replaced by a fresh well-formed one.
"""

import ast
import itertools
import os
import re
import threading

import schemathesis

# CPython 3.11 before 3.11.8 keeps the AST constructor's recursion counter in one
# interpreter-wide state (python/cpython#106905): two threads parsing at once (schemathesis
# workers, through hypothesis' lambda descriptions) corrupt it and the parse raises
# "SystemError: AST constructor recursion depth mismatch". Parsing is rare and short, so one
# lock around it costs nothing and makes the run deterministic on every 3.11 point release.
_parse_lock = threading.Lock()
_parse = ast.parse


def _serial_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse

_KEY = re.compile(r"[\t -~]{1,255}")
_CATEGORY = os.environ.get("CONTRACT_CATEGORY")
_LISTING_WRITES = {"create_listing", "update_listing"}
_fresh = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every phase sends through here, the coverage phase's fixed boundary values included."""
    _real_category(case)
    headers = case.headers
    if not headers:
        return
    positive = case.meta is not None and case.meta.generation.mode.name.lower() == "positive"
    for name in list(headers):
        value = headers[name]
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        if _KEY.fullmatch(value):
            headers[name] = f"contract-{next(_fresh)}-{value}"[:255]
        elif positive and value:
            headers[name] = f"contract-{next(_fresh)}"


def _real_category(case):
    """A positive listing write names the run's seeded category (contract/run.sh): a random
    UUID names none and is refused 422, so no listing would ever be made. Negative cases keep
    their generated values, so unknown categories are still tested."""
    if not _CATEGORY or case.operation.definition.raw.get("operationId") not in _LISTING_WRITES:
        return
    positive = case.meta is not None and case.meta.generation.mode.name.lower() == "positive"
    if positive and isinstance(case.body, dict) and "category_id" in case.body:
        case.body["category_id"] = _CATEGORY
