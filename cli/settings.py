"""The command's configuration, read once at the edge and passed in: the shared store settings
(config.store) and what only the command needs (the acting office, keys, signing).

Sources, strongest first: command-line options, CERTLEDGER_* environment variables,
`<home>/config.json` (written by `certledger init`), defaults. The ledger never reads
the environment itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from config.store import StoreSettings


class Settings(StoreSettings):
    blobs_dir: Path | None = None  # default: <home>/blobs
    office: str | None = None
    operator: str | None = None
    key_passphrase: SecretStr | None = None  # the office key's; prompted for when unset at a terminal
    root_passphrase: SecretStr | None = None  # the deployment root's
    operator_passphrase: SecretStr | None = None  # the acting operator's credential
    new_operator_passphrase: SecretStr | None = None  # `operator add`: the new operator's credential
    credentials_dir: Path | None = None  # default: <home>/credentials
    key_years: int = 2  # an office key's signing window
    root_name: str = "certledger deployment root"
    verify_base_url: str = "https://verify.certledger.example"  # what QR codes point to
    tsa_url: str | None = None  # an RFC 3161 timestamp authority: PAdES B-T instead of B-B

    @property
    def credentials_path(self) -> Path:
        return self.credentials_dir or self.home / "credentials"

    @property
    def blobs_path(self) -> Path:
        return self.blobs_dir or self.home / "blobs"
