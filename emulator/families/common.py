"""What every family's handlers share: the caller's seller state, SP-API's time format,
reading times from requests, and Amazon's pagination-token error."""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.business.store import SellerState, StateStore
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.models.spec import ApiModel
from emulator.runtime.paging import TokenRejected

INVALID_TOKEN = ("The specified pagination token is invalid or not compatible with the "
                 "provided filters in the request input.")


def filter_names(model: ApiModel, operation_id: str, paging: frozenset[str]) -> tuple[str, ...]:
    """The query parameters of an operation that filter (all but its paging ones)."""
    operation = next(op for op in model.operations if op.operation_id == operation_id)
    return tuple(p["name"] for p in operation.parameters_in("query") if p["name"] not in paging)


def seller_state(store: StateStore, call: Call) -> SellerState:
    """The calling seller's business (the token decided who calls)."""
    principal = call.principal
    if principal is None or principal.seller is None:  # pragma: no cover - auth prevents it
        raise InvalidInput("This operation needs a seller's access token.")
    return store.of(principal.seller)


def iso(timestamp: float, millis: bool = False) -> str:
    """SP-API's UTC timestamps: `2024-05-01T12:34:56Z` (Orders) or with milliseconds."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str, name: str) -> float:
    """A request's ISO 8601 date or date-time as epoch seconds (naive means UTC); a value
    that is not one is Amazon's 400, naming the parameter."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"Invalid date-time for '{name}': {value!r} is not ISO 8601.",
                           details=f"Invalid date-time field(s) [{name}].") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def token_error(error: TokenRejected) -> InvalidInput:
    """What SP-API answers a bad, expired or mismatched pagination token (models#4319)."""
    return InvalidInput(INVALID_TOKEN, details=f"The token is {error.reason}."
                        if error.reason != "filters" else "")
