"""The emulator's runtime: what every request and every lifecycle runs on, plain Python, no
HTTP. May use the models.

The emulator clock (`clock.py`: real time plus an offset that only grows) and the scheduler
of due actions on it (`scheduler.py`); the one seeded source of randomness (`rng.py`); the
event bus state changes are published on (`events.py`); the request journal (`journal.py`);
fault rules (`faults.py`); token buckets (`throttle.py`); opaque paging tokens
(`paging.py`); stored documents and their presigned URLs (`documents.py`; the HTTP endpoint
that serves them is the gateway's `s3.py`); strict JSON for everything clients send
(`strictjson.py`).
"""
