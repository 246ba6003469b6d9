"""The control plane under /_emulator: what the emulator says about itself.

Low traffic, so it uses plain Starlette routing. Later issues add credentials, clock, state,
faults and the journal here; each route answers JSON.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import modelsource
from emulator.spec import ModelSet


class ModelsInfo:
    """What /_emulator/health reports of the models; the commit is known by content digest."""

    def __init__(self, models: ModelSet) -> None:
        self._models = models
        self._commit: str | None = None

    @property
    def commit(self) -> str:
        if self._commit is None:
            matches = modelsource.content_digest(self._models.root) == modelsource.CONTENT_DIGEST
            self._commit = modelsource.PINNED_COMMIT if matches else "unknown"
        return self._commit

    def as_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, **self._models.summary()}


def envelope(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": code, "message": message, "details": ""}]}, status_code=status
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return envelope(405, "MethodNotAllowed",
                        f"{request.method} is not allowed on {request.url.path}.")
    if exc.status_code == 404:
        return envelope(404, "NotFound", f"No control-plane route {request.url.path}.")
    return envelope(exc.status_code, "InvalidInput", str(exc.detail))


def control_app(models: ModelSet, extra_routes: list[Route] | None = None) -> Starlette:
    info = ModelsInfo(models)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "models": info.as_dict()})

    routes = [Route("/_emulator/health", health, methods=["GET"]), *(extra_routes or [])]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
