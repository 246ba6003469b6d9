"""The lifecycle reports and feeds share: Amazon's processing statuses, how long jobs are
kept, and the book that runs a job IN_QUEUE -> IN_PROGRESS -> its end on the emulator clock.

A job waits in the queue, is processed, and ends (DONE, CANCELLED or FATAL; the family's
`process` decides), each step an action on the scheduler at times drawn per job from
`--lifecycle` (instant: none; fast: a few seconds; realistic: minutes, as Amazon). Only a
queued job can be cancelled. Jobs belong to the app that asked and the seller they concern
(a job without an app, like Amazon's settlement reports, is every app's) and are kept 90 days
on the emulator clock, and no more than MAX_JOBS of a kind (the oldest go first). Ids are
11-12 digit numbers that grow over time, from a seeded start.

A book is the record section of its jobs (sections.py): each job, and the id counter, is a
record of the state file; after a restart, a job that was queued or in progress goes on from
where it was, at the times its id fixes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from emulator.auth.accounts import Accounts, Seller
from emulator.business import snapshot
from emulator.business.sections import Section
from emulator.business.store import StateStore
from emulator.runtime.clock import Clock
from emulator.runtime.rng import Randomness
from emulator.runtime.scheduler import Scheduler

IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL = (
    "IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL")
# Not Amazon's: the status of a report or feed forgotten by a reset, so queued steps skip it.
DISCARDED = "DISCARDED"
DAY = 86400.0
RETENTION = 90 * DAY  # Amazon keeps reports and feeds 90 days
MAX_JOBS = 10_000  # of one kind (reports, feeds), every seller together: memory stays bounded
_PRUNE_EVERY = 256  # new jobs between two sweeps for the 90 days


class Job(Protocol):
    """A report or a feed, as far as its lifecycle goes."""

    status: str
    started: float | None
    ended: float | None
    created: float

    @property
    def job_id(self) -> str: ...

    @property
    def seller_id(self) -> str: ...

    @property
    def app_id(self) -> str | None: ...


J = TypeVar("J", bound=Job)


class JobBook(Section, Generic[J]):
    """The jobs of one kind, with their lifecycle on the scheduler. A family's book says how a
    job is processed (`process`), what its end publishes (`publish`) and what goes with a job
    that is forgotten (`forgotten`)."""

    kind: ClassVar[str]  # "report", "feed": names the seeded streams and the messages
    error: ClassVar[type[Exception]] = ValueError  # what a refused request raises
    job_type: ClassVar[type]  # the job's dataclass, as the state file keeps it

    def __init__(self, store: StateStore, scheduler: Scheduler, clock: Clock,
                 randomness: Randomness, lifecycle: str) -> None:
        self.store = store
        self.scheduler = scheduler
        self.clock = clock
        self.randomness = randomness
        self.lifecycle = lifecycle
        self.jobs: dict[str, J] = {}  # in the order they were made
        self.id_stream = randomness.derive(f"{self.kind}-ids")
        self._next_id = 50_000_000_000 + self.id_stream.randrange(10**9) * 10
        self._made = 0
        store.sections.register(f"{self.kind}s", self)

    def new_id(self) -> str:
        self._next_id += 1 + self.randomness.stream.randrange(7)
        self.touch("ids")
        return str(self._next_id)

    def touch(self, key: str) -> None:
        """The record `key` of this book changed: the state file gets it before the answer."""
        self.store.sections.touch(f"{self.kind}s", key)

    def changed(self, job: J) -> None:
        self.touch(f"job/{job.job_id}")

    def clear(self) -> None:
        """Forget every job (the state was reset): the lifecycle steps still queued on the
        scheduler find nothing to act on."""
        for job in self.jobs.values():
            job.status = DISCARDED
        self.jobs.clear()

    # -- lifecycle ------------------------------------------------------------------------

    def queue(self, job: J) -> J:
        """Keeps a new job and runs its lifecycle from its creation time."""
        self.jobs[job.job_id] = job
        self.changed(job)
        self._arm(job)
        self._made += 1
        if len(self.jobs) > MAX_JOBS or self._made % _PRUNE_EVERY == 0:
            self.prune()
        return job

    def _arm(self, job: J) -> None:
        """Put the job's next lifecycle step on the scheduler, at the time its id fixes."""
        queue, processing = self.timings(job)
        if job.status == IN_QUEUE:
            start = job.created + queue
            self.scheduler.at(start, lambda: self._start(job, start, processing))
        elif job.status == IN_PROGRESS and job.started is not None:
            end = job.started + processing
            self.scheduler.at(end, lambda: self._finish(job, end))

    def prune(self) -> None:
        """Forget jobs past Amazon's 90 days, then the oldest beyond MAX_JOBS."""
        horizon = self.clock.now() - RETENTION
        for job in [j for j in self.jobs.values() if j.created < horizon]:
            self.forget(job)
        excess = len(self.jobs) - MAX_JOBS
        for job in list(self.jobs.values())[:max(excess, 0)]:
            self.forget(job)

    def forget(self, job: J) -> None:
        self.jobs.pop(job.job_id, None)
        job.status = DISCARDED  # lifecycle steps still queued find nothing to act on
        self.changed(job)
        self.forgotten(job)

    def forgotten(self, job: J) -> None:
        """What goes with a forgotten job (its documents)."""

    def timings(self, job: J) -> tuple[float, float]:
        """(seconds in the queue, seconds of processing): fixed per job."""
        if self.lifecycle == "instant":
            return 0.0, 0.0
        rnd = self.randomness.derive(f"{self.kind}-timing", job.job_id)
        if self.lifecycle == "fast":
            return rnd.uniform(1, 2), rnd.uniform(1, 3)
        return rnd.uniform(10, 60), self.realistic_processing(job, rnd)

    def realistic_processing(self, job: J, rnd: random.Random) -> float:
        """Seconds of processing in `--lifecycle realistic`."""
        return rnd.uniform(60, 180)

    def _start(self, job: J, when: float, processing: float) -> None:
        if job.status != IN_QUEUE:  # cancelled while queued, or forgotten
            return
        job.status, job.started = IN_PROGRESS, when
        self.changed(job)
        self.scheduler.at(when + processing, lambda: self._finish(job, when + processing))

    def _finish(self, job: J, when: float) -> None:
        if job.status != IN_PROGRESS:
            return
        status = self.process(job, when)
        job.status, job.ended = status, when
        self.changed(job)
        self.publish(job, when)

    def process(self, job: J, when: float) -> str:
        """Does the job's work at `when`; returns its final status."""
        raise NotImplementedError

    def publish(self, job: J, when: float) -> None:
        """Tells the event bus the job ended."""
        raise NotImplementedError

    def cancel(self, job: J) -> None:
        """Only a job still in the queue can be cancelled (the models: "Only reports with
        processingStatus=IN_QUEUE can be cancelled", and the same of feeds)."""
        if job.status != IN_QUEUE:
            noun = self.kind.capitalize()
            raise self.error(f"{noun} {job.job_id} cannot be cancelled: its processingStatus "
                             f"is {job.status}; only IN_QUEUE {self.kind}s can be cancelled.")
        job.status = CANCELLED
        self.changed(job)
        self.publish(job, self.clock.now())

    # -- reading --------------------------------------------------------------------------

    def visible(self, job: J, app_id: str, seller_id: str) -> bool:
        return (job.seller_id == seller_id and job.app_id in (None, app_id)
                and job.created >= self.clock.now() - RETENTION)

    def find(self, app_id: str, seller_id: str, job_id: str) -> J | None:
        job = self.jobs.get(job_id)
        return job if job is not None and self.visible(job, app_id, seller_id) else None

    def listed(self, app_id: str, seller_id: str) -> list[J]:
        """The jobs an app sees for a seller, newest first (the order getReports and
        getFeeds list)."""
        found = [j for j in self.jobs.values() if self.visible(j, app_id, seller_id)]
        found.sort(key=lambda j: (j.created, j.job_id), reverse=True)
        return found

    # -- the state file (sections.Section) ------------------------------------------------

    def record(self, key: str) -> Any | None:
        if key == "ids":
            return self.counters()
        kind, _, job_id = key.partition("/")
        if kind == "job":
            job = self.jobs.get(job_id)
            return snapshot.dump(job) if job is not None else None
        return None

    def records(self) -> Iterable[tuple[str, Any]]:
        yield "ids", self.counters()
        for job in list(self.jobs.values()):
            yield f"job/{job.job_id}", snapshot.dump(job)

    def load(self, key: str, value: Any | None) -> None:
        if key == "ids":
            self.load_counters(value)
            return
        kind, _, job_id = key.partition("/")
        if kind != "job":
            raise ValueError(f"unknown record {key!r}")
        if value is None:
            self.jobs.pop(job_id, None)
            return
        job = snapshot.load(self.job_type, value, key)
        if job.job_id != job_id:
            raise ValueError(f"its id is {job.job_id!r}")
        self.adopt(job)
        self.jobs[job_id] = job  # a later record of a job replaces it where it was made

    def adopt(self, job: J) -> None:
        """A job read from the state file: its seller becomes the accounts' own object."""
        job.seller = known_seller(self.store.accounts, job.seller)  # type: ignore[attr-defined]

    def counters(self) -> dict[str, int]:
        return {"next": self._next_id}

    def load_counters(self, value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("next"), int):
            raise ValueError("expected {\"next\": N}")
        self._next_id = value["next"]

    def resume(self) -> None:
        for job in self.jobs.values():
            self._arm(job)


def known_seller(accounts: Accounts, seller: Seller) -> Seller:
    """The accounts' seller of a record read back (an open-auth seller is known again)."""
    return accounts.remember(seller)
