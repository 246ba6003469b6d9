"""The request's way through the emulator, from raw ASGI to SP-API's reply. May use the
runtime and the models.

`router.py` matches the raw path over one trie of every operation; `call.py` is the request
as the stages see it; `pipeline.py` runs the stages (`stages.py`: throttling and faults; the
token stage is auth's) and hands the call to `answer.py`, the one place that decides the
answer (a static case, a stateful handler from `registry.py`, or a synthesized answer),
after `validation.py` (Connexion's request validation, imported on first use, with the
emulator's rules in `connexion_rules.py`; refusals phrased as each service does by
`phrasing.py`). `errors.py` names SP-API's errors,
`wire.py` writes raw replies. `s3.py` serves stored documents at presigned URLs with S3's
errors.
"""
