"""The service's configuration: the command's store settings (config.store: the same CERTLEDGER_*
variables and `<home>/config.json`) and what only the service needs (limits and switches).
"""

from __future__ import annotations

from config.store import StoreSettings


class ServiceSettings(StoreSettings):
    """What the verification service needs: the store, the trust list, limits and switches."""

    trust_reload_seconds: float = 1.0  # how often a worker looks at the trust list file's mtime
    verify_records: bool = True  # a count per document, minute and outcome; "off" stops it
    max_upload_bytes: int = 5 * 1024 * 1024
    lookup_per_minute: int = 10  # number + name lookups per client
    pdf_per_minute: int = 60  # PDF uploads per client (each costs ~25 ms of CPU)
    pdf_concurrency: int = 2  # PDF checks running at once per process
    trusted_proxies: str = ""  # addresses/networks whose X-Forwarded-For names the client (verify_api/clients.py)
    header_timeout: float = 10.0  # seconds a request's line and headers may take (verify_api/protocol.py)
    body_timeout: float = 60.0  # seconds a request's whole body may take
    max_header_bytes: int = 16384  # request line and headers together
    max_headers: int = 64  # header lines per request
    hsts: bool = False  # send Strict-Transport-Security: only behind https
    access_log: bool = False  # "on": a line per request (method, path cut short, status, time; no query string)
    debug: bool = False  # log tracebacks of internal errors (their messages may hold request data)
    cache_size: int = 4096  # documents, and tokens whose signature held, kept in memory (0: none): verify_api/views.py
    cache_check_seconds: float = 0.01  # at most this long between asking SQLite whether anything was committed
    log_reload_seconds: float = 1.0  # how often a worker looks for a newer signed checkpoint
    read_model: bool = True  # verdicts from the verification read model (ledger/readmodel.py); "off": the events
    # On a PostgreSQL hot standby (verify_api/standby.py): where the counts and rate limits go, and how far
    # behind its replay may be before /healthz answers 503 (0: never).
    postgres_primary_host: str = ""  # unset: this instance's own SQLite files in <home>
    postgres_primary_port: int = 0  # 0: the ledger's port
    max_replay_lag_seconds: float = 60.0

    def eventsourcing_env(self, create: bool = False) -> dict[str, str]:
        """The library's settings for a reader: no table creation, an aggregate cache that fast-forwards."""
        env = super().eventsourcing_env(create=False)
        if self.cache_size > 0:
            # A cached document is fast-forwarded with the events stored since (one small query), so a
            # revocation written by the command or another worker shows on the next read. The service
            # never changes an aggregate, so the library need not deep-copy it for each read.
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.cache_size)
            env["DEEPCOPY_FROM_AGGREGATE_CACHE"] = "n"
        return env
