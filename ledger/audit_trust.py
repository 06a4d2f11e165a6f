"""The audit of recorded trust lists: each `TrustListPublication.Published` must reflect exactly the key states
of the save that recorded it (ledger.trust_record: the list is saved with the key change).

The signing keys are replayed from their stored events, in store order; at each publication the keys then
recorded must be those its `key_versions` names, at those versions, and the signed list's payload must state
them as they are (the check of the JWS and its entries is injected: `keys.trust_audit`, through the audit's
`CredentialChecks.trust_list_problem`). A publisher-signed list that lists another key, leaves one out or
restates a key's window or revocation is a forgery, named at its event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ledger.audit import Divergence
from ledger.events import topics_of
from ledger.projections import key_view
from ledger.signing_key import SigningKey
from ledger.trust_record import TrustListPublication
from ledger.views import SigningKeyView

ListProblem = Callable[[str, Sequence[SigningKeyView]], "str | None"]  # (JWS, the keys it must state) -> problem

TOPICS: list[str] = [t for cls in (SigningKey.Registered, SigningKey.Retired, SigningKey.Revoked,
                                   TrustListPublication.Published) for t in topics_of(cls)]


def trust_list_divergences(events: Iterable[tuple[int, Any]], problem: ListProblem) -> list[Divergence]:
    """From the (notification id, domain event) of key and publication events in store order."""
    keys: dict[Any, SigningKey] = {}
    found: list[Divergence] = []
    for nid, ev in events:
        if isinstance(ev, TrustListPublication.Published):
            why = _publication_problem(ev, keys, problem)
            if why is not None:
                found.append(Divergence(None, nid, str(ev.originator_id), "TrustListPublication.Published",
                                        f"forgery: trust list {ev.sequence}: {why}"))
        elif isinstance(ev, SigningKey.Registered | SigningKey.Retired | SigningKey.Revoked):
            try:
                key = ev.mutate(keys.get(ev.originator_id))
                if key is not None:
                    keys[ev.originator_id] = key
            except Exception as exc:  # noqa: BLE001 (a stored event that does not apply is named, not raised)
                found.append(Divergence(None, nid, str(ev.originator_id), type(ev).__qualname__,
                                        f"forgery: a signing key's event that does not apply to it ({exc})"))
    return found


def _publication_problem(ev: Any, keys: dict[Any, SigningKey], problem: ListProblem) -> str | None:
    recorded = {k.kid: k.version for k in keys.values()}
    if dict(ev.key_versions) != recorded:
        return (f"it reflects key versions {dict(sorted(ev.key_versions.items()))}, but the ledger then holds "
                f"{dict(sorted(recorded.items()))}")
    return problem(ev.jws, [key_view(k) for k in sorted(keys.values(), key=lambda k: k.kid)])
