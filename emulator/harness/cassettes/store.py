"""Reading cassettes: vcrpy's YAML files, as the replay server, the drift check and the secret
scan need them. One `Interaction` per recorded request and response."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

SUFFIXES = (".yaml", ".yml")


class CassetteError(ValueError):
    """A file that is not a vcrpy cassette."""


@dataclass(frozen=True)
class Interaction:
    cassette: Path
    index: int  # position in its cassette
    method: str
    uri: str
    request_headers: dict[str, list[str]]
    request_body: bytes
    status: int
    response_headers: dict[str, list[str]]
    response_body: bytes

    @property
    def path(self) -> str:
        """The raw (percent-encoded) path."""
        return urlsplit(self.uri).path or "/"

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.uri).query, keep_blank_values=True)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.uri)
        return f"{parts.scheme}://{parts.netloc}"

    def response_header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, values in self.response_headers.items():
            if key.lower() == lowered and values:
                return values[-1]
        return None

    def describe(self) -> str:
        return f"{self.cassette.name} #{self.index} {self.method} {self.uri}"


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _headers(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in raw.items()}


def load_cassette(path: Path) -> list[Interaction]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CassetteError(f"{path}: not YAML ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise CassetteError(f"{path}: not a vcrpy cassette (no 'interactions' list)")
    interactions = []
    for index, raw in enumerate(document["interactions"]):
        try:
            request, response = raw["request"], raw["response"]
            body = response.get("body") or {}
            interactions.append(Interaction(
                cassette=path, index=index, method=str(request["method"]).upper(),
                uri=str(request["uri"]), request_headers=_headers(request.get("headers")),
                request_body=_bytes(request.get("body")), status=int(response["status"]["code"]),
                response_headers=_headers(response.get("headers")),
                response_body=_bytes(body.get("string") if isinstance(body, dict) else body),
            ))
        except (KeyError, TypeError, ValueError) as error:
            raise CassetteError(f"{path}: interaction {index} is malformed ({error})") from None
    return interactions


def cassette_files(root: Path) -> list[Path]:
    """Every cassette under `root` (or `root` itself), sorted so runs never vary."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def load_all(root: Path) -> Iterator[Interaction]:
    for path in cassette_files(root):
        yield from load_cassette(path)
