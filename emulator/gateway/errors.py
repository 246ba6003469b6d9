"""SP-API's errors as named exceptions, each rendering Amazon's exact envelope.

Every error a client sees from an SP-API path is `{"errors":[{"code","message","details"}]}`.
Raise one of these anywhere in the pipeline; `pipeline.py` turns it into the response.
"""

from __future__ import annotations

from typing import Any

ACCESS_DENIED = "Access to requested resource is denied."


class SpApiError(Exception):
    """An error SP-API reports in its JSON envelope."""

    status = 400
    code = "InvalidInput"
    default_message = (
        "The input you have submitted is not valid. Please check your input and try again."
    )

    def __init__(self, message: str | None = None, details: str = "",
                 headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"


class InvalidInput(SpApiError):
    """400: the request breaks the model (what Amazon's gateway and services answer)."""


class CodedError(SpApiError):
    """An error whose code a service names itself (Merchant Fulfillment's
    LabelCancelWindowExpired, Shipping v2's TOKEN_EXPIRED...)."""

    def __init__(self, code: str, message: str, details: str = "", status: int = 400) -> None:
        super().__init__(message, details)
        self.code = code
        self.status = status


class InvalidRequest(SpApiError):
    """400 of Amazon Shipping v2: its generic message, what is wrong in `details` (the model's
    examples: "ChannelDetails object cannot be null", "RateId cannot be null"...)."""

    code = "InvalidRequest"
    default_message = "Request is missing or has invalid parameters"


class CouldNotMatch(InvalidInput):
    """400 from Amazon's static sandbox when no case matches (behaviour since 2022)."""

    default_message = "Could not match input arguments"


class AccessDenied(SpApiError):
    """403 for an unknown path or method, a missing role, or a bad token (see auth)."""

    status = 403
    code = "Unauthorized"
    default_message = ACCESS_DENIED

    def __init__(self, details: str = "", error_type: str = "AccessDeniedException",
                 message: str | None = None) -> None:
        super().__init__(message, details, {"x-amzn-ErrorType": error_type})


class NotFound(SpApiError):
    status = 404
    code = "NotFound"
    default_message = "The requested resource was not found."


class PayloadTooLarge(SpApiError):
    # The models declare 413 with "The request size exceeded the maximum accepted size."; the
    # code Amazon's gateway puts in the body is not documented, this one is our best guess.
    status = 413
    code = "RequestEntityTooLarge"
    default_message = "The request size exceeded the maximum accepted size."


class QuotaExceeded(SpApiError):
    status = 429
    code = "QuotaExceeded"
    default_message = "You exceeded your quota for the requested resource."


class InternalFailure(SpApiError):
    status = 500
    code = "InternalFailure"
    default_message = "We encountered an internal error. Please try again."


class ServiceUnavailable(SpApiError):
    status = 503
    code = "ServiceUnavailable"
    default_message = "Service is temporarily unavailable. Please try again."
