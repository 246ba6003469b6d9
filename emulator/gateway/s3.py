"""The S3-like side of documents: GET a report or feed-result document and PUT a feed's input
document at their presigned URLs, with Amazon S3's XML errors.

No SP-API token is needed or read (clients fetch documents with a bare HTTP client); the
signature in the URL decides. Gzip documents are sent as raw gzip bytes with no
Content-Encoding, as Amazon's storage does, so clients gunzip them themselves.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

from starlette.types import Receive, Scope, Send

from emulator.gateway.errors import PayloadTooLarge
from emulator.gateway.wire import Reply, read_body, send_reply
from emulator.runtime.clock import iso
from emulator.runtime.documents import PATH_PREFIX, DocumentStore, parse_amz_date
from emulator.runtime.rng import Randomness

MAX_UPLOAD = 100 * 1024 * 1024  # feeds are limited far below this; S3 itself allows 5 GB
MAX_EXPIRES = 604800  # S3's longest presigned URL: a week


def _s3_error(status: int, code: str, message: str, randomness: Randomness,
              **extra: str) -> Reply:
    fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
    request_id = f"{randomness.stream.getrandbits(64):016X}"
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message>{fields}<RequestId>{request_id}</RequestId>"
            f"<HostId>{randomness.rid()}</HostId></Error>").encode()
    return Reply(status, body, "application/xml", [("x-amz-request-id", request_id)])


class DocumentEndpoint:
    def __init__(self, documents: DocumentStore, randomness: Randomness) -> None:
        self.documents = documents
        self.randomness = randomness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reply = await self._answer(scope, receive)
        await send_reply(send, reply)

    async def _answer(self, scope: Scope, receive: Receive) -> Reply:
        method = scope["method"]
        document_id = unquote(scope["path"][len(PATH_PREFIX):])
        query_string = scope.get("query_string", b"").decode("utf-8", "replace")
        query = {k: v[-1] for k, v in parse_qs(query_string).items()}
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if method not in ("GET", "PUT"):
            return _s3_error(405, "MethodNotAllowed",
                             "The specified method is not allowed against this resource.",
                             self.randomness, Method=method, ResourceType="OBJECT")
        document = self.documents.get(document_id)
        signed_method = "PUT" if method == "PUT" else "GET"
        amz_date = query.get("X-Amz-Date", "")
        issued = parse_amz_date(amz_date)
        signature = query.get("X-Amz-Signature")
        if document is None or issued is None or signature is None:
            return _s3_error(403, "AccessDenied", "Access Denied", self.randomness)
        expires = query.get("X-Amz-Expires", "")
        if not expires.isdigit() or int(expires) > MAX_EXPIRES:
            return _s3_error(400, "AuthorizationQueryParametersError",
                             "X-Amz-Expires must be less than a week (in seconds) that is; "
                             f"{MAX_EXPIRES}", self.randomness)
        now = self.documents.clock.now()
        lifetime = int(expires)
        timing = {"X-Amz-Expires": expires, "Expires": iso(issued + lifetime),
                  "ServerTime": iso(now)}
        if issued > now:
            return _s3_error(403, "AccessDenied", "Request is not yet valid", self.randomness,
                             **timing)
        if now > issued + lifetime:
            return _s3_error(403, "AccessDenied", "Request has expired", self.randomness,
                             **timing)
        content_type = headers.get("content-type", "") if method == "PUT" else ""
        if not self.documents.verify(signature, signed_method, document_id, amz_date, expires,
                                     content_type):
            # The signature covers the Content-Type of an upload: any other value breaks it,
            # and so does a changed date or lifetime.
            return _s3_error(403, "SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature "
                             "you provided. Check your key and signing method.", self.randomness)
        if method == "PUT":
            if document.kind != "feed-input":
                return _s3_error(403, "AccessDenied", "Access Denied", self.randomness)
            try:
                content = await read_body(receive, MAX_UPLOAD, headers.get("content-length"))
            except PayloadTooLarge:
                return _s3_error(400, "EntityTooLarge",
                                 "Your proposed upload exceeds the maximum allowed size",
                                 self.randomness)
            self.documents.upload(document, content, now)
            etag = f'"{self.randomness.stream.getrandbits(128):032x}"'
            return Reply(200, b"", None, [("ETag", etag)])
        if document.content is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.",
                             self.randomness, Key=document_id)
        return Reply(200, document.content, document.content_type)
