"""Feed processors, one module per feed family (JSON listings, inventory XML and flat files):
each reads its feed's document and applies it through the business rules; `results.py`
renders Amazon's processing reports and `base.py` holds what they share.
"""
