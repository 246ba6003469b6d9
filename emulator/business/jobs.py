"""What reports and feeds share: their processing statuses and how long they are kept."""

from __future__ import annotations

IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL = (
    "IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL")
# Not Amazon's: the status of a report or feed forgotten by a reset, so queued steps skip it.
DISCARDED = "DISCARDED"
DAY = 86400.0
RETENTION = 90 * DAY  # Amazon keeps reports and feeds 90 days
