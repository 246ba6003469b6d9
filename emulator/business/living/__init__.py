"""The living store: the seeded business goes on after the scenario's anchor, on the emulator
clock. Plain Python over the business core (no HTTP, no family).

- `rhythm`: when orders come (hour of the day, day of the week, peaks), history and future;
- `plan`: when an order moves (payment, shipping, delivery, cancellation, return, refund);
- `calendar`: the scenario's own events of a day (arrivals, competitors repricing, the
  restock review, settlement closes), drawn from the seed per seller and day;
- `engine`: applies everything due, in time order, whenever a seller is touched or the
  scheduler reaches it, and keeps the position a restart continues from.

The state at clock time T is a function of the seed, the scenario, T and the clients' own
calls only: every event draws from `Randomness.derive(...)` keyed by seller and event, never
from a stream whose position depends on when requests arrived.
"""
