"""The lifecycle reports and feeds share: Amazon's processing statuses, how long jobs are
kept, and the book that runs a job IN_QUEUE -> IN_PROGRESS -> its end on the emulator clock.

A job waits in the queue, is processed, and ends (DONE, CANCELLED or FATAL; the family's
`process` decides), each step an action on the scheduler at times drawn per job from
`--lifecycle` (instant: none; fast: a few seconds; realistic: minutes, as Amazon). Only a
queued job can be cancelled. Jobs belong to the app that asked and the seller they concern
(a job without an app, like Amazon's settlement reports, is every app's) and are kept 90 days.
Ids are 11-12 digit numbers that grow over time, from a seeded start.
"""

from __future__ import annotations

import random
from typing import ClassVar, Generic, Protocol, TypeVar

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


class JobBook(Generic[J]):
    """The jobs of one kind, with their lifecycle on the scheduler. A family's book says how a
    job is processed (`process`) and what its end publishes (`publish`)."""

    kind: ClassVar[str]  # "report", "feed": names the seeded streams and the messages
    error: ClassVar[type[Exception]] = ValueError  # what a refused request raises

    def __init__(self, store: StateStore, scheduler: Scheduler, clock: Clock,
                 randomness: Randomness, lifecycle: str) -> None:
        self.store = store
        self.scheduler = scheduler
        self.clock = clock
        self.randomness = randomness
        self.lifecycle = lifecycle
        self.jobs: dict[str, J] = {}
        self.id_stream = randomness.derive(f"{self.kind}-ids")
        self._next_id = 50_000_000_000 + self.id_stream.randrange(10**9) * 10

    def new_id(self) -> str:
        self._next_id += 1 + self.randomness.stream.randrange(7)
        return str(self._next_id)

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
        queue, processing = self.timings(job)
        start = job.created + queue
        self.scheduler.at(start, lambda: self._start(job, start, processing))
        return job

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
        self.scheduler.at(when + processing, lambda: self._finish(job, when + processing))

    def _finish(self, job: J, when: float) -> None:
        if job.status != IN_PROGRESS:
            return
        status = self.process(job, when)
        job.status, job.ended = status, when
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
