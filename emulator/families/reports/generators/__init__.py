"""Report documents, one module per report family (listings, orders, inventory, settlement,
sales and traffic): each maps its report types to a generator over one seller's state;
`base.py` holds what they share (the request, the output, Amazon's flat-file conventions).
"""
