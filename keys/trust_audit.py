"""The audit's check of a recorded trust list (ledger.audit_trust): signed by the pinned root's publisher, and
its payload exactly the key states of the save that recorded it, entry by entry as `build_trust_list` writes
them. The `status` of each entry is left out: it is stated for human readers and every verifier recomputes
it from the dates, which are compared."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from keys.errors import InvalidKeyInput, TrustListInvalid
from keys.trustlist import _entry, load_trust_list

if TYPE_CHECKING:
    from ledger.views import SigningKeyView


def _payload(jws: str) -> Any:
    segment = jws.strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def recorded_list_problem(jws: str, keys: Sequence[SigningKeyView], pinned_root_pem: bytes | str) -> str | None:
    """None when the list holds; else what is wrong with it, in words."""
    try:
        load_trust_list(jws, pinned_root_pem)
        entries = _payload(jws)["keys"]
        listed = {e["kid"]: {k: v for k, v in e.items() if k != "status"} for e in entries}
    except (TrustListInvalid, InvalidKeyInput) as exc:
        return f"it does not verify against the pinned root through the publisher: {exc}"
    except (ValueError, KeyError, TypeError, IndexError):
        return "its payload cannot be read"
    expected = {view.kid: _entry(view) for view in keys}
    if listed.keys() != expected.keys():
        extra, missing = sorted(listed.keys() - expected.keys()), sorted(expected.keys() - listed.keys())
        return ("its keys are not those its save recorded"
                + (f": it lists {', '.join(extra)}, which the ledger does not hold then" if extra else "")
                + (f"; it leaves out {', '.join(missing)}" if missing else ""))
    for kid in sorted(expected):
        differ = sorted(name for name in expected[kid].keys() | listed[kid].keys()
                        if expected[kid].get(name) != listed[kid].get(name))
        if differ:
            return f"key {kid}: its {', '.join(differ)} differ from the key's state recorded in the same save"
    return None
