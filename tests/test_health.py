"""The emulator says what it serves once it is ready."""

from __future__ import annotations

import httpx

from emulator.models.source import PINNED_COMMIT


def test_health_reports_the_models(anonymous: httpx.Client) -> None:
    response = anonymous.get("/_emulator/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "models": {"commit": PINNED_COMMIT, "apis": 66, "operations": 370},
    }


def test_unknown_control_route_is_a_json_404(anonymous: httpx.Client) -> None:
    response = anonymous.get("/_emulator/nothing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"
    response = anonymous.post("/_emulator/health", json={})
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "MethodNotAllowed"
