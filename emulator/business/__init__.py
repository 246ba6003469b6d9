"""The sellers' business, shared by every family: plain Python over a store, never HTTP (an
import-linter contract). May use auth's accounts, the runtime and the models.

Entities (`entities.py`) generated from a scenario (`scenario.py`, `generate.py`,
`marketplaces.py`) through the one seeded source, so the same scenario and seed give the
same business byte for byte; the store of every seller's state (`store.py`) with its JSON
snapshot (`snapshot.py`), append-only state file (`persistence.py`) and transactions that
commit a request's changes whole or undo them (`changes.py`). Also the rules more
than one family reads: the catalog (`catalog.py`), competing offers (`offers.py`), the fee
schedule (`fees.py`), report and feed documents' formats (`documents.py`), the lifecycle
both reports and feeds go through (`jobs.py`), shipping an order (`fulfillment.py`), the
carriers and their rates (`carriers.py`), label files (`labels.py`) and the labels bought
(`shipments.py`). Each family's own rules live in its package
under `emulator.families`.
"""
