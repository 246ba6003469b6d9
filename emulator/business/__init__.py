"""The emulated sellers' business: catalog, listings, inventory, orders and money.

Plain Python over a store, never HTTP: `apis/` translates between SP-API requests and this.
Everything is generated from a scenario and the seed through the one seeded source, so the
same scenario and seed give the same business, byte for byte.
"""
