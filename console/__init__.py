"""The office console: the clerks' web application (FastAPI, server-rendered HTML in Chinese) on the same
store as the command. An entry point: it wires ledger, signing, keys and office; nothing imports it.

    uvicorn console.app:create_app_from_env --factory     (or: certledger console)
"""
