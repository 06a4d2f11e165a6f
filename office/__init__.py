"""What the office's own server keeps beside the ledger, shared by the command and the console: operator
accounts (roles, password hashes, TOTP, the login record) and the path from a draft to a signed file.

Imports ledger, signing, keys and config; nothing of the entry points (cli, verify_api, console).
"""
