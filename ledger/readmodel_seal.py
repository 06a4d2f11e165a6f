"""The read model's payload at rest: sealed with the ledger's own cipher when one is configured.

With `CIPHER_KEY` set every stored event is AES-GCM encrypted (the library's cipher); a row of the
verification read model holds the holder's name and the masked fields a verdict shows, so its payload is
sealed with the same cipher (`aesgcm:` + base64), and opened again when read or compared. The other columns
(reference, aggregate id, version, status, successor, holder digest, key id, signing time) hold nothing
personal, and the service's one indexed read needs them as they are.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

PAYLOAD = 8  # the payload's index in a row (ledger.readmodel.COLUMNS)
_MARK = "aesgcm:"


class PayloadSeal:
    def __init__(self, cipher: Any | None) -> None:
        self._cipher = cipher

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PayloadSeal:
        if not env.get("CIPHER_KEY"):
            return cls(None)
        from eventsourcing.cryptography import AESCipher  # the cipher config.store names (cryptography)
        from eventsourcing.utils import Environment

        return cls(AESCipher(Environment(env={"CIPHER_KEY": env["CIPHER_KEY"]})))

    def seal(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._cipher is None:
            return row
        return (*row[:PAYLOAD], self.seal_text(str(row[PAYLOAD])), *row[PAYLOAD + 1:])

    def open(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*row[:PAYLOAD], self.open_text(row[PAYLOAD]), *row[PAYLOAD + 1:])

    def seal_text(self, text: str) -> str:
        """One text at rest (the work list's payload too, ledger.work_index)."""
        if self._cipher is None:
            return text
        return _MARK + base64.b64encode(self._cipher.encrypt(text.encode())).decode()

    def open_text(self, payload: Any) -> Any:
        if not (isinstance(payload, str) and payload.startswith(_MARK)):
            return payload
        if self._cipher is None:
            raise ValueError("the read model is sealed: CIPHER_KEY is not configured")
        return self._cipher.decrypt(base64.b64decode(payload[len(_MARK):])).decode()
