"""File formats at the edge: spreadsheets, zip packages and CSV files read and written here.

The ledger sees values (rows, cells, photos as bytes); this package turns files into them
and back. It may import `ledger` (its values and rules); entry points wire it in.
"""
