"""Schemathesis hooks for `make contract` (loaded by contract/schemathesis.toml).

An Idempotency-Key names one request: a client makes a fresh one per action, and the server
answers a key reused with another body `idempotency_key_reused` (422), as it must. Generated
keys collide all the time ("0", "00", ...), so every well-formed generated key is made unique
here; malformed ones are left alone in negative cases, so the refusals of bad keys are still
tested. In positive cases a malformed key is a generator slip (schemathesis 4.32 does not
honour a header pattern it cannot turn into a strategy, and sent "ë" as a valid key): it is
replaced by a fresh well-formed one.
"""

import itertools
import re

import schemathesis

_KEY = re.compile(r"[\t -~]{1,255}")
_fresh = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every phase sends through here, the coverage phase's fixed boundary values included."""
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
