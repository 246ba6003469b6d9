"""Report and feed documents, and the presigned URLs that reach them.

Amazon keeps these in S3 and hands out presigned URLs valid for 5 minutes, whose signature
covers the method and, for uploads, the Content-Type. The emulator keeps the bytes here and
signs its own URLs the same way (s3.py serves them): built from the configured public base
URL, never from a request's Host header.

Memory is bounded: a document is kept at most 90 days on the emulator clock (as the reports
and feeds it belongs to), and the bytes of all documents together at most `max_bytes`
(`--document-budget`): past it, the oldest documents go first (the newest always stays).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from emulator.runtime.clock import Clock
from emulator.runtime.rng import Randomness

URL_LIFETIME = 300  # seconds, as Amazon's presigned URLs
RETENTION = 90 * 86400.0  # Amazon keeps reports (and their documents) 90 days
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
PATH_PREFIX = "/_documents/"
Kind = Literal["report", "feed-input", "feed-result", "label"]


@dataclass
class Document:
    document_id: str
    kind: Kind
    app_id: str
    seller_id: str
    created: float
    content_type: str  # served (reports, results) or required on upload (feed input)
    content: bytes | None = None  # None until a feed input document is uploaded
    compression: str | None = None  # "GZIP": the bytes are gzip, served as they are
    report_type: str | None = None
    uploaded: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    lifetime: int = URL_LIFETIME  # seconds its URLs are valid (labels: 15, as Amazon's)


def _amz_date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_amz_date(text: str) -> float | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _size(document: Document) -> int:
    return len(document.content) if document.content is not None else 0


class DocumentStore:
    def __init__(self, clock: Clock, randomness: Randomness, base_url: str,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.max_bytes = max_bytes
        # Document ids and the signing key are capabilities (a URL needs no token): unguessable.
        self._random = randomness.secret_source("documents")
        self._key = self._random.randbytes(32)
        self._documents: dict[str, Document] = {}  # oldest first
        self._sizes: dict[str, int] = {}  # the bytes counted for each document
        self.bytes = 0  # of every document's content
        # Told the id of every document added, changed or dropped (the state file).
        self.listeners: list[Callable[[str], None]] = []

    def new_id(self, region: str, type_code: str) -> str:
        """Amazon's shape: amzn1.spdoc.1.4.<region>.<uuid>.<token>.<type code>."""
        hex_id = f"{self._random.getrandbits(128):032x}"
        uuid = f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
        token = "T" + f"{self._random.getrandbits(64):016X}"
        return f"amzn1.spdoc.1.4.{region}.{uuid}.{token}.{type_code}"

    def add(self, document: Document) -> Document:
        self._documents[document.document_id] = document
        self.changed(document)
        return document

    def changed(self, document: Document) -> None:
        """A document's content or fields changed (an upload, a report made): counted, kept
        within the bounds, and told to the listeners."""
        document_id = document.document_id
        if self._documents.get(document_id) is not document:
            return  # dropped meanwhile
        size = _size(document)
        self.bytes += size - self._sizes.get(document_id, 0)
        self._sizes[document_id] = size
        self._tell(document_id)
        self._bound(keep=document_id)

    def upload(self, document: Document, content: bytes, when: float) -> None:
        document.content, document.uploaded = content, when
        self.changed(document)

    def remove(self, document_id: str) -> None:
        if self._documents.pop(document_id, None) is not None:
            self.bytes -= self._sizes.pop(document_id, 0)
            self._tell(document_id)

    def get(self, document_id: str) -> Document | None:
        return self._documents.get(document_id)

    def all(self) -> list[Document]:
        return list(self._documents.values())

    def clear(self) -> None:
        self._documents.clear()
        self._sizes.clear()
        self.bytes = 0

    def restore(self, document: Document) -> None:
        """A document read back from the state file (no listener is told)."""
        self.remove(document.document_id)
        self._documents[document.document_id] = document
        self._sizes[document.document_id] = size = _size(document)
        self.bytes += size

    def _bound(self, keep: str) -> None:
        horizon = self.clock.now() - RETENTION
        for document in list(self._documents.values()):
            if self.bytes <= self.max_bytes and document.created >= horizon:
                break
            if document.document_id != keep:
                self.remove(document.document_id)

    def _tell(self, document_id: str) -> None:
        for listener in self.listeners:
            listener(document_id)

    def signature(self, method: str, document_id: str, amz_date: str, expires: str,
                  content_type: str = "") -> str:
        """What a URL's X-Amz-Signature must be: it covers what S3's covers here (method, key,
        date, lifetime and, for uploads, the Content-Type)."""
        message = f"{method}\n{document_id}\n{amz_date}\n{expires}\n{content_type}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, signature: str, method: str, document_id: str, amz_date: str,
               expires: str, content_type: str = "") -> bool:
        """Whether `signature` is right, compared in constant time."""
        expected = self.signature(method, document_id, amz_date, expires, content_type)
        return hmac.compare_digest(signature.encode(), expected.encode())

    def url(self, document: Document, method: Literal["GET", "PUT"]) -> str:
        """A presigned URL for `method`, valid for the document's lifetime (5 minutes unless
        it says otherwise) on the emulator clock."""
        amz_date = _amz_date(self.clock.now())
        content_type = document.content_type if method == "PUT" else ""
        signed_headers = "content-type;host" if method == "PUT" else "host"
        signature = self.signature(method, document.document_id, amz_date,
                                   str(document.lifetime), content_type)
        return (f"{self.base_url}{PATH_PREFIX}{quote(document.document_id, safe='')}"
                f"?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Credential=EMULATOR%2F{amz_date[:8]}%2Fus-east-1%2Fs3%2Faws4_request"
                f"&X-Amz-Date={amz_date}&X-Amz-Expires={document.lifetime}"
                f"&X-Amz-SignedHeaders={quote(signed_headers, safe='')}"
                f"&X-Amz-Signature={signature}")
