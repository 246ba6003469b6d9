"""JSON from outside the process, parsed strictly: every body a client sends (SP-API, LWA, the
control plane, feed documents, state snapshots) goes through `loads`.

Python's own parser accepts what JSON does not (`NaN`, `Infinity`, numbers that overflow to
infinity) and recurses once per nesting level, so a body nested a thousand deep ends in a
RecursionError. Here such input is a `JsonError` (a ValueError) whose message says what is
wrong, and nothing non-finite ever reaches the emulator's state.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# SP-API bodies nest a dozen levels at most (listings attributes are the deepest); 64 leaves
# room for any real document and stays far below Python's recursion limit, which code that
# walks a body (validation, deep copies, the state file) must not reach.
MAX_DEPTH = 64

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


class JsonError(ValueError):
    """Input that is not strict JSON; the message says why, in a sentence fragment."""


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonError(f"the number {text[:40]} is out of range")
    return value


def decode(raw: bytes) -> str:
    """UTF-8 text (a leading byte order mark is dropped, as RFC 8259 allows)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise JsonError(f"it is not UTF-8 (invalid byte at offset {error.start})") from None


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether valid JSON `text` nests arrays and objects deeper than `limit`."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    # Each pass removes the innermost pairs: anything left after `limit` passes is deeper.
    for _ in range(limit):
        brackets = _INNERMOST.sub("", brackets)
        if not brackets:
            return False
    return True


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    text = decode(raw) if isinstance(raw, bytes | bytearray) else raw
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise JsonError(f"it nests deeper than {max_depth} levels") from None
    except JsonError:
        raise
    except ValueError as error:  # JSONDecodeError, and integers past Python's digit limit
        raise JsonError(str(error)) from None
    if too_deep(text, max_depth):
        raise JsonError(f"it nests deeper than {max_depth} levels")
    return value

