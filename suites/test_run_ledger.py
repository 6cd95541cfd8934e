"""The run-wide verdict: every placement and every callback of the run, judged after the last test.

A test looks at the orders it placed; these look at all of them, whichever test caused a
callback: duplicates, callbacks for ids the run never placed, lost or late callbacks, a
wrong key or channel on any order, and the order of events (LC1). The plugin runs these
last and keeps them when ``-k`` selects other tests, so a selection is judged whole too.
"""

from __future__ import annotations

import pytest

from eprom_verify import (
    CHECKPOINTS_JUDGED,
    CheckFailure,
    Text,
)
from eprom_verify.pytest import not_run

#: more findings than this on one checkpoint are counted, not listed
_SHOWN = 8


@pytest.mark.run_ledger
@pytest.mark.parametrize(
    "checkpoint_id",
    [pytest.param(c, id=c, marks=pytest.mark.checkpoint(c)) for c in CHECKPOINTS_JUDGED],
)
def test_whole_run(eprom, checkpoint_id):
    verdict = eprom.judge_run()
    findings = verdict.for_checkpoint(checkpoint_id)
    judged = verdict.judged.get(checkpoint_id, 0)
    eprom.fact(judged=judged, findings=len(findings))
    if not findings:
        if not judged:
            not_run(
                Text(
                    en=f"the run placed nothing {checkpoint_id} judges over the whole run",
                    nb=f"kjøringen bestilte ingenting {checkpoint_id} vurderer over hele kjøringen",
                )
            )
        return
    for finding in findings:
        eprom.touch(finding.order_id)
    lines = Text.join(" | ", [finding.as_text() for finding in findings[:_SHOWN]])
    hidden = len(findings) - _SHOWN
    more = Text(en=f" (and {hidden} more)", nb=f" (og {hidden} til)") if hidden > 0 else ""
    first = findings[0]
    raise CheckFailure(
        Text(
            en=f"over the whole run, {len(findings)} problem(s) on {checkpoint_id}",
            nb=f"over hele kjøringen, {len(findings)} feil på {checkpoint_id}",
        )
        + more
        + ": "
        + lines,
        expected=first.expected,
        received=first.received,
        order_id=first.order_id,
    )
