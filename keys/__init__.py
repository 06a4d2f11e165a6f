"""The cryptographic side of signed documents: the root CA, office signing keys, the trust list.

`keys.store` makes and keeps keys, `keys.trustlist` publishes and verifies the signed list
of keys, `keys.algorithms` names the signature algorithms. The ledger records each key's
lifecycle; this package never imports the ledger's application layer.
"""
