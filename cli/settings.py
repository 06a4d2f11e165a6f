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
    root_passphrase: SecretStr | None = None  # the deployment root's: only its keeper (or a dev set-up) has it
    publisher_passphrase: SecretStr | None = None  # the publisher key's: signs the trust list (the deployment)
    root_dir: Path | None = None  # the root's key directory (the keeper's); default: the keys directory
    log_key_passphrase: SecretStr | None = None  # the log key's (it signs the checkpoints)
    witness_passphrase: SecretStr | None = None  # `certledger witness`: its cosigner key's
    log_origin: str | None = None  # the log's name, its checkpoints' first line (default: <verify host>/log)
    new_passphrase: SecretStr | None = None  # `keys rewrap --new-passphrase`; prompted for when unset
    rewrap_passphrase: SecretStr | None = None  # `keys rewrap`: a key file that is neither the root nor an office key
    key_kdf_cost: int = 17  # log2 of scrypt's N for new key files (keys.sealed: 14-20; 17 = 128 MiB)
    operator_passphrase: SecretStr | None = None  # the acting operator's credential
    new_operator_passphrase: SecretStr | None = None  # `operator add`: the new operator's credential
    credentials_dir: Path | None = None  # default: <home>/credentials
    key_years: int = 2  # an office key's signing window
    root_name: str = "certledger deployment root"
    verify_base_url: str = "https://verify.certledger.example"  # what QR codes point to
    tsa_url: str | None = None  # an RFC 3161 timestamp authority: PAdES B-T instead of B-B

    @property
    def root_path(self) -> Path:
        return self.root_dir or self.keys_path

    @property
    def credentials_path(self) -> Path:
        return self.credentials_dir or self.home / "credentials"

    @property
    def blobs_path(self) -> Path:
        return self.blobs_dir or self.home / "blobs"
