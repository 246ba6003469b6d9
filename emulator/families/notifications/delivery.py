"""Delivery of notification messages, off the event loop: one worker thread, one lane per
target (queue, event bus, webhook) so each target gets its messages in order, and a target
that fails holds only its own lane while it is retried with exponential backoff.

Targets talk to the real services' APIs: SQS SendMessage and EventBridge PutEvents through
boto3 (at `--sqs-endpoint` / `--eventbridge-endpoint`: moto, LocalStack, ElasticMQ or AWS
itself), the webhook by an HTTP POST of the message JSON. Every outcome is written to the
delivery's outbox record: attempts, the last error, delivered or failed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from emulator.families.notifications.records import Delivery, Outbox, SqsQueue

if TYPE_CHECKING:
    import httpx
    from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger("emulator.families.notifications")
TIMEOUT = 5.0  # seconds for one attempt: connecting plus the answer


def _aws_errors() -> tuple[type[ClientError], type[BotoCoreError]]:
    # boto3 is imported on first delivery to AWS, not at start: it costs 0.1 s of every
    # emulator's start-up, and most runs never deliver to SQS or EventBridge.
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def event_source(account_id: str, application_id: str) -> str:
    """The partner event source of an EventBridge destination (Amazon's Notifications guide)."""
    return f"aws.partner/sellingpartnerapi.amazon.com/{account_id}/{application_id}"


class DeliveryError(Exception):
    """An attempt failed; the message says why, as the service said it."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # then the delivery is failed
    first_delay: float = 0.5  # seconds before the second attempt, doubled each time
    max_delay: float = 30.0

    def delay(self, attempts_made: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (attempts_made - 1))


class Target(Protocol):
    kind: str
    address: str  # what the outbox shows: an ARN, a bus, a URL

    def send(self, body: str) -> None:
        """Deliver one message; raises DeliveryError."""


def _aws_reason(error: Exception) -> str:
    client_error, _ = _aws_errors()
    if isinstance(error, client_error):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', str(error))}"
    return f"{type(error).__name__}: {error}"


class AwsClients:
    """boto3 clients per (service, endpoint, region), made once. Credentials come from the
    usual chain (environment, profile); local AWS emulators take any, so without any the
    emulator signs with placeholders."""

    def __init__(self) -> None:
        self._session: Any = None
        self._clients: dict[tuple[str, str | None, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, endpoint: str | None, region: str) -> Any:
        key = (service, endpoint, region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                import boto3
                from botocore.config import Config

                if self._session is None:
                    self._session = boto3.session.Session()
                # One attempt is one call: the worker retries, not botocore (its retries
                # would hide attempts from the outbox).
                config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                                retries={"mode": "standard", "total_max_attempts": 1})
                keys: dict[str, str] = {}
                if self._session.get_credentials() is None:
                    keys = {"aws_access_key_id": "spapi-emulator",
                            "aws_secret_access_key": "spapi-emulator"}
                found = self._clients[key] = self._session.client(
                    service, endpoint_url=endpoint, region_name=region, config=config, **keys)
            return found


class SqsTarget:
    """SendMessage to the queue of the destination's ARN, its URL looked up by name and
    owner account (GetQueueUrl) and remembered until a send fails."""

    kind = "sqs"

    def __init__(self, clients: AwsClients, endpoint: str | None, queue: SqsQueue) -> None:
        self.clients, self.endpoint, self.queue = clients, endpoint, queue
        self.address = queue.arn
        self._url: str | None = None

    def send(self, body: str) -> None:
        sqs = self.clients.client("sqs", self.endpoint, self.queue.region)
        try:
            if self._url is None:
                self._url = sqs.get_queue_url(
                    QueueName=self.queue.name,
                    QueueOwnerAWSAccountId=self.queue.account_id)["QueueUrl"]
            sqs.send_message(QueueUrl=self._url, MessageBody=body)
        except _aws_errors() as error:
            self._url = None  # the queue may come back under another URL
            raise DeliveryError(_aws_reason(error)) from None


class EventBridgeTarget:
    """PutEvents with Amazon's partner event source and the notification type as
    detail-type. Amazon puts them on the partner event bus of that name; local EventBridge
    emulators have no partner buses, so the events go to the endpoint's default bus."""

    kind = "eventbridge"

    def __init__(self, clients: AwsClients, endpoint: str | None, account_id: str, region: str,
                 application_id: str) -> None:
        self.clients, self.endpoint, self.region = clients, endpoint, region
        self.source = self.address = event_source(account_id, application_id)

    def send(self, body: str) -> None:
        message = json.loads(body)
        detail_type = message.get("notificationType") or message.get("NotificationType")
        events = self.clients.client("events", self.endpoint, self.region)
        try:
            answer = events.put_events(Entries=[{"Source": self.source,
                                                 "DetailType": detail_type, "Detail": body}])
        except _aws_errors() as error:
            raise DeliveryError(_aws_reason(error)) from None
        if answer.get("FailedEntryCount"):
            entry = answer["Entries"][0]
            raise DeliveryError(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")


class WebhookTarget:
    """POST of the message JSON; any 2xx answer is a delivery."""

    kind = "webhook"

    def __init__(self, http: httpx.Client, url: str) -> None:
        self.http, self.address = http, url

    def send(self, body: str) -> None:
        import httpx  # imported with the first webhook, not at start

        try:
            answer = self.http.post(self.address, content=body,
                                    headers={"content-type": "application/json"})
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        if not 200 <= answer.status_code < 300:
            raise DeliveryError(f"HTTP {answer.status_code}: {answer.text[:200]}")


@dataclass
class _Job:
    target: Target
    delivery: Delivery
    body: str


class Deliverer:
    """The worker thread and its lanes (started with the first message)."""

    def __init__(self, outbox: Outbox, now: Callable[[], float],
                 policy: RetryPolicy | None = None) -> None:
        self.outbox = outbox
        self.now = now  # the emulator clock, for the outbox's times
        self.policy = policy or RetryPolicy()
        self._http: httpx.Client | None = None
        self._lanes: dict[str, deque[_Job]] = {}
        self._due: dict[str, float] = {}  # lane -> monotonic time its head may be tried
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def http(self) -> httpx.Client:
        """The webhook's HTTP client, made (and httpx imported) when first needed."""
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=TIMEOUT)
        return self._http

    def submit(self, target: Target, delivery: Delivery, body: str) -> None:
        lane = f"{target.kind} {target.address}"
        with self._wake:
            if self._closed:
                self.outbox.update(delivery, status="failed", error="the emulator stopped")
                return
            self._lanes.setdefault(lane, deque()).append(_Job(target, delivery, body))
            self._due.setdefault(lane, 0.0)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="spapi-notify",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def pending(self) -> int:
        with self._wake:
            return sum(len(jobs) for jobs in self._lanes.values())

    def close(self, timeout: float = 5.0, keep_pending: bool = False) -> None:
        """Stop the thread; what was not delivered fails, or stays pending (`keep_pending`:
        a state file keeps it, to be sent after a restart)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._wake:
            for jobs in self._lanes.values():
                for job in jobs:
                    if not keep_pending:
                        self.outbox.update(job.delivery, status="failed",
                                           error="the emulator stopped before delivering it")
            self._lanes.clear()
        if self._http is not None:
            self._http.close()

    def _next(self) -> tuple[str, _Job] | None:
        """The head of a lane that is due, waiting for one; None when closed."""
        with self._wake:
            while not self._closed:
                now = time.monotonic()
                waiting = [(self._due[lane], lane) for lane, jobs in self._lanes.items() if jobs]
                if waiting:
                    due, lane = min(waiting)
                    if due <= now:
                        return lane, self._lanes[lane][0]
                    self._wake.wait(due - now)
                else:
                    self._wake.wait()
            return None

    def _run(self) -> None:
        while (found := self._next()) is not None:
            lane, job = found
            error = self._attempt(job)
            with self._wake:
                attempts = job.delivery.attempts
                if error is None or attempts >= self.policy.attempts:
                    self._lanes[lane].popleft()
                    self._due[lane] = 0.0
                    if not self._lanes[lane]:
                        del self._lanes[lane], self._due[lane]
                else:
                    self._due[lane] = time.monotonic() + self.policy.delay(attempts)

    def _attempt(self, job: _Job) -> str | None:
        try:
            job.target.send(job.body)
        except DeliveryError as error:
            reason = str(error)
        except Exception as error:  # a bug must not kill the lane: it is recorded instead
            log.exception("notification delivery to %s failed", job.target.address)
            reason = f"{type(error).__name__}: {error}"
        else:
            self.outbox.update(job.delivery, attempts=job.delivery.attempts + 1,
                               last_attempt=self.now(), delivered_at=self.now(),
                               status="delivered", error=None)
            return None
        attempts = job.delivery.attempts + 1
        final = attempts >= self.policy.attempts
        self.outbox.update(job.delivery, attempts=attempts, last_attempt=self.now(),
                           error=reason, status="failed" if final else "pending")
        if final:
            log.warning("notification to %s failed after %d attempts: %s",
                        job.target.address, attempts, reason)
        return reason
