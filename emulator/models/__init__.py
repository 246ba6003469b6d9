"""Amazon's models, read at run time: the lowest layer, plain Python, imports nothing else of
the emulator.

Finding and downloading the pinned commit (`source.py`), loading the 66 Swagger files into
operations (`spec.py`) with the named in-memory fixes of known defects (`patches.py`),
validators for their schemas (`schemas.py`), the static sandbox cases and Amazon's matching
rules (`sandbox.py`), schema-valid synthesized values (`synth.py`), usage plans parsed from
the descriptions (`usage_plans.py`), requests built from the models (`sample_requests.py`)
and which operations need a Restricted Data Token (`restricted.py`, the one table the models
do not carry). Everything the models say is derived here, never typed again elsewhere.
"""
