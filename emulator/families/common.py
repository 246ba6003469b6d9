"""What the families' handlers share: the caller's seller state, SP-API's time format,
reading times from requests, Amazon's pagination-token error, `pageSize`/`pageToken` paging
and the v0 APIs' money."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from emulator.business.entities import money_float
from emulator.business.store import SellerState, StateStore
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, NotFound
from emulator.models.spec import ApiModel
from emulator.runtime.paging import PageTokens, TokenRejected

# Listings Items and Catalog Items search page through at most 1000 results
# (numberOfResults in the listings model, the Catalog Items reference).
MAX_PAGED = 1000
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
    # %Y does not pad years before 1000 (a client may ask for orders after 0238-01-08).
    text = f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")
    if millis:
        return f"{text}.{moment.microsecond // 1000:03d}Z"
    return text + "Z"


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


def money(minor: int, currency: str) -> dict[str, Any]:
    """MoneyType of the v0 APIs (Product Pricing, Product Fees)."""
    return {"CurrencyCode": currency, "Amount": money_float(minor, currency)}


T = TypeVar("T")


class Refusal(ValueError):
    """What a family's rules refuse, in SP-API's terms: the message, its details and the
    status (400, or 404 for what does not exist). The handlers turn it into the error."""

    def __init__(self, message: str, details: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.details = details
        self.status = status


def refused(change: Callable[[], T], bad_request: type[InvalidInput] = InvalidInput) -> T:
    """Runs a rule; its Refusal becomes SP-API's error (404 NotFound, else `bad_request`)."""
    try:
        return change()
    except Refusal as error:
        kind = NotFound if error.status == 404 else bad_request
        raise kind(str(error), details=error.details) from None


def token_page(page_tokens: PageTokens, params: dict[str, Any], listing: str, seller_id: str,
               found: Sequence[T]) -> tuple[Sequence[T], dict[str, str]]:
    """`pageSize`/`pageToken` paging (Listings Items search, Catalog Items 2022-04-01): the
    page and the `pagination` object. Tokens are bound to every other parameter, as Amazon's
    are (the same filters must come with the token); at most MAX_PAGED results are reachable."""
    size = params.get("pageSize") or 10
    filters = {k: v for k, v in sorted(params.items()) if k != "pageToken"}
    start = 0
    if params.get("pageToken"):
        try:
            start = int(page_tokens.read(params["pageToken"], listing, seller_id, filters))
        except TokenRejected as error:
            raise token_error(error) from None
    reachable = found[:MAX_PAGED]
    pagination = {}
    if start + size < len(reachable):
        pagination["nextToken"] = page_tokens.issue(listing, seller_id, filters, start + size)
    if start > 0:
        pagination["previousToken"] = page_tokens.issue(listing, seller_id, filters,
                                                        max(0, start - size))
    return reachable[start:start + size], pagination
