"""The console's configuration: the shared store settings (config.store: CERTLEDGER_* and `<home>/config.json`)
and what only the console needs (keys, attachments, sessions, login limits)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from config.store import StoreSettings
from office.accounts import DEFAULT_FILE


class ConsoleSettings(StoreSettings):
    office: str | None = None  # the office this console serves (config.json's, from init)
    blobs_dir: Path | None = None  # default: <home>/blobs
    credentials_dir: Path | None = None  # default: <home>/credentials
    key_passphrase: SecretStr | None = None  # the office key's: the console holds the office key
    key_kdf_cost: int = 17  # log2 of scrypt's N for new credential files
    verify_base_url: str = "https://verify.certledger.example"
    tsa_url: str | None = None
    console_secure_cookies: bool = False  # "on" behind https: Secure, and the __Host- prefix
    console_idle_minutes: int = 30  # a session unused this long ends
    console_session_hours: int = 10  # and any session ends this long after login
    console_account_failures: int = 5  # failed logins of one account within the window before it is refused
    console_address_failures: int = 20  # failed logins from one address within the window
    console_failure_window_minutes: int = 15
    console_trusted_origin: str | None = None  # the origin browsers see behind a proxy (https://console.example)

    @property
    def blobs_path(self) -> Path:
        return self.blobs_dir or self.home / "blobs"

    @property
    def credentials_path(self) -> Path:
        return self.credentials_dir or self.home / "credentials"

    @property
    def accounts_path(self) -> Path:
        return self.home / DEFAULT_FILE
