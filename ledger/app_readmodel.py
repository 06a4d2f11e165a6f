"""The verification read model's commands: rebuilt from the events, and checked by the audit."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ledger.app_base import LedgerBase
from ledger.audit import AuditReport, Divergence
from ledger.readmodel_check import check
from ledger.readmodel_rebuild import rebuild
from ledger.recorders import takes_writers

MAX_NAMED = 100  # divergences named in one report, as the audit names the log's


class ReadModelViews(LedgerBase):
    def rebuild_views(self) -> int:
        """Replace the verification read model's rows with those the events give (the table made where it is
        missing: a store from before it); returns how many documents it holds."""
        count = rebuild(self.env, self.recorder, self.mapper.to_domain_event,
                        self.readmodel.memory if self.readmodel is not None else None)
        if self.readmodel is not None and takes_writers(self.recorder):
            writer = self.readmodel.write_in_transaction
            if writer not in self.recorder.writers:  # type: ignore[attr-defined]
                self.recorder.add_writer(writer)  # type: ignore[attr-defined]
        self.keep_topic_index(may_create=True)  # the index of listed kinds too (ledger.topic_index)
        return count

    def readmodel_divergences(self) -> list[Divergence]:
        """Each document whose kept verification row is not the one its events give, named."""
        found: list[Divergence] = []
        memory = self.readmodel.memory if self.readmodel is not None else None
        state = self._state_decoder()  # type: ignore[attr-defined]  # ledger.app_save_audit
        for reference, problem in check(self.env, self.recorder, self.mapper.to_domain_event, state, memory):
            found.append(Divergence(None, None, reference or None, "verification read model" if reference else None,
                                    problem))
            if len(found) >= MAX_NAMED:
                break
        return found

    def with_readmodel_check(self, report: AuditReport) -> AuditReport:
        """The audit's report with the read model's divergences after the log's."""
        return self.readmodel_check(report)(report)

    def readmodel_check(self, log_report: AuditReport) -> Callable[[AuditReport], AuditReport]:
        """Compare the read model with the events now (while the saves' process of the audit checks its part);
        returns what adds its divergences to the final report. Events the library cannot read (a malformed row
        the log's replay has named already) leave the read model uncompared, said so."""
        try:
            extra = self.readmodel_divergences()
        except (ValueError, TypeError, KeyError) as e:
            if log_report.ok:
                raise
            extra = [Divergence(None, None, None, None, "the verification read model was not compared: the "
                                f"events cannot all be read ({type(e).__name__})")]
        return lambda report: dataclasses.replace(report, divergences=(*report.divergences, *extra)) if extra \
            else report
