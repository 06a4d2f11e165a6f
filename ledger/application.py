"""The certledger application: commands and queries over the event store.

Commands take primitives and an Actor (operator + office), load aggregates, let them
check the rules, and save every touched aggregate in one atomic save. Queries return
read views (ledger.views), never aggregates.

The application is composed of its parts, each a mixin over ledger.app_base.LedgerBase:
issuance (ledger.app_issuance), proofs (app_proofs), custody (app_custody), requests
(app_requests), keys and signing (app_signing), the log (app_log), queries (app_queries) and
the monthly reissue batch (ledger.batch_service).

Storage is the library's: SQLite by default, PostgreSQL or in-memory by configuration
(PERSISTENCE_MODULE and friends), with the library's cipher when CIPHER_KEY is set.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.app_base import Actor, LedgerBase
from ledger.app_credentials import Credentials
from ledger.app_custody import Custody
from ledger.app_issuance import Issuance, parse_certificate_for
from ledger.app_keys import RecordedTrustList, TrustListSigner
from ledger.app_log import LogQueries
from ledger.app_queries import Queries
from ledger.app_readmodel import ReadModelViews
from ledger.app_requests import RequestWorkflow
from ledger.app_signing import Draft, Signing
from ledger.app_work import WorkList
from ledger.batch_service import BatchCommands
from ledger.credential import Credential
from ledger.domain import ServiceRequest
from ledger.pickups import AuthorityTable, OverdueList, PickupNotice, Pickups
from ledger.reference import acts_for
from ledger.signing_key import SigningKey

__all__ = ["Actor", "CertLedger", "Draft", "RecordedTrustList", "TrustListSigner", "parse_certificate_for"]


class CertLedger(WorkList, Credentials, Signing, Issuance, Custody, LogQueries, ReadModelViews, Queries,
                 RequestWorkflow, BatchCommands, Pickups, LedgerBase):
    """The one public application: every command and query of the ledger."""

    listed_events = (SigningKey.Registered, Credential.Enrolled, ServiceRequest.Applied, ServiceRequest.Reviewed,
                     AuthorityTable.Loaded, PickupNotice.Published)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_loaded_tables()  # a province's table an office loaded (seed 003) joins the shipped ones

    def overdue_list(self, office: str | None = None, today: date | None = None) -> OverdueList:
        """The office's one overdue list: requests past their due date or legal limit, and certificates on its
        pickup notices nobody collected within the 10 / 30 working days (seed 003 五, 十三). `office` None:
        every office's."""
        day = today or self.today()
        late = [v for v in self.requests(open_only=True, today=day) if v.overdue]
        late = [v for v in late if office is None or acts_for(office, v.office)]
        uncollected = [u for u in self.uncollected(day) if office is None or acts_for(office, u.office)]
        return OverdueList(tuple(late), tuple(uncollected))

