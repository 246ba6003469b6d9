"""Each operation's usage plan (rate in requests per second, burst), read from the model.

Amazon documents the plan as a markdown table in the operation's description:

    **Usage Plan:**
    | Rate (requests per second) | Burst |
    | ---- | ---- |
    | 0.0167 | 20 |

A few tables have a "Plan type" column (the "Default" row counts), one has literal "\\n"
escapes instead of newlines, some carry placeholders ("n") and 65 operations have none.
Operations without a parsable plan get DEFAULT_PLAN and `parsed=False`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.models.spec import Operation


@dataclass(frozen=True)
class UsagePlan:
    rate: float  # tokens added per second
    burst: int  # bucket size
    parsed: bool  # False when the model gave no usable table and DEFAULT_PLAN applies

    @property
    def header_value(self) -> str:
        """The `x-amzn-RateLimit-Limit` value, formatted as Amazon does (0.0167, 2.0, 10.0)."""
        return repr(float(self.rate))


# What an operation without a documented plan gets: Amazon's most common plan for reads
# (1 request per second, burst 5) is a conservative guess; the real plan is unknown.
DEFAULT_PLAN = UsagePlan(rate=1.0, burst=5, parsed=False)

_NUMBER = r"(\d*\.?\d+)"  # "0.0167", "10", and ".5" all occur
_TABLE = re.compile(
    r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|.*?"  # header row
    r"\|\s*-+\s*\|\s*-+\s*\|\s*"  # separator row
    rf"\|\s*{_NUMBER}\s*\|\s*{_NUMBER}\s*\|",
    re.S,
)
_PLAN_TYPE_TABLE = re.compile(
    r"\|\s*Plan type\s*\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|.*?"
    rf"\|\s*Default\s*\|\s*{_NUMBER}\s*\|\s*{_NUMBER}\s*\|",
    re.S,
)


def parse(description: str) -> UsagePlan | None:
    text = description.replace("\\n", "\n")
    match = _TABLE.search(text) or _PLAN_TYPE_TABLE.search(text)
    if not match:
        return None
    rate, burst = float(match.group(1)), float(match.group(2))
    if rate <= 0 or burst < 1:
        return None
    return UsagePlan(rate=rate, burst=int(burst), parsed=True)


def plan_for(operation: Operation) -> UsagePlan:
    return parse(operation.description) or DEFAULT_PLAN
