"""The baseline: bare Starlette serving the same bytes the emulator answers for the sandbox
Orders GET, with SP-API's headers. What a server can do when it does nothing else."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.models import spec
from emulator.models.sandbox import CaseTable

_MODELS = Path(os.environ["SPAPI_MODELS_DIR"])


def _orders_case_body() -> bytes:
    model = spec.load_model(next((_MODELS / "models").rglob("ordersV0.json")))
    operation = next(op for op in model.operations if op.operation_id == "getOrders")
    return next(c.body for c in CaseTable(operation).with_parameters if c.status == 200)


BODY = _orders_case_body()


async def orders(request: Request) -> Response:
    return Response(BODY, media_type="application/json", headers={
        "x-amzn-RequestId": str(uuid.uuid4()), "x-amz-rid": "A" * 20,
        "x-amzn-RateLimit-Limit": "0.0167",
    })


app = Starlette(routes=[Route("/orders/v0/orders", orders)])
