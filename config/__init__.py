"""Settings both entry points read (the store, the data directory): read once, at the edge.

Imports nothing of the project; `cli` and `verify_api` build their own settings on it.
"""
