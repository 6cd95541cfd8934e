"""What a receiver check leaves for the report (evidence, facts, latency per endpoint), and
the progress line while it runs."""

from __future__ import annotations

import io
import json

from eprom_verify.receiver import (
    CallbackExchange,
    CheckProgress,
    ReceiverCheckFailure,
    check_evidence,
    latency_by_endpoint,
)

BASE = "http://127.0.0.1:9/api/"


def _exchange(check: str, n: int, *, endpoint: str = "PromsFormOrder", status: int = 200):
    body = json.dumps({"apiKey": "«redacted»", "formOrderId": f"id-{n}"})
    return CallbackExchange(
        check, "PUT", BASE + endpoint, {"Content-Type": "application/json"}, body,
        status, {}, '{"success": true}', n / 1000,
    )  # fmt: skip


def test_a_passing_check_links_a_spread_sample_and_counts_all() -> None:
    exchanges = [_exchange("a", n) for n in range(1, 21)] + [_exchange("b", 99)]
    evidence = check_evidence("a", "R1", exchanges)
    assert evidence.total == 20
    assert evidence.failing is None
    ids = [json.loads(e.request_body)["formOrderId"] for e in evidence.sample]
    assert ids == ["id-1", "id-6", "id-11", "id-15", "id-20"]  # first, last and between
    titles = [title for _, title in evidence.linked()]
    assert titles[0].en == "a (R1): PUT PromsFormOrder → 200 — sample 1 of 5; 20 sent by this check"
    assert titles[0].nb == (
        "a (R1): PUT PromsFormOrder → 200 — stikkprøve 1 av 5; 20 sendt av denne kontrollen"
    )
    fields = evidence.record_fields(*evidence.linked()[0])
    assert fields["checkpoint_ids"] == ["R1"]
    assert fields["body"]["sent"]["formOrderId"] == "id-1"
    assert fields["body"]["answer"] == {"success": True}
    assert evidence.facts() == {
        "examples": 20,
        "latency": {"PromsFormOrder": {"p50_ms": 10.0, "p95_ms": 19.0, "count": 20}},
    }


def test_a_failing_check_links_the_failing_exchange_first_with_its_payload() -> None:
    exchanges = [_exchange("a", n) for n in range(1, 4)]
    bad = _exchange("a", 4, endpoint="MessageToCitizen", status=500)
    exchanges.append(bad)
    failure = ReceiverCheckFailure("boom", check="a", expected="2xx", exchange=bad)
    evidence = check_evidence("a", "R4", exchanges, failure=failure)
    linked = evidence.linked()
    assert linked[0][0] is bad
    assert "→ 500 — the failing exchange; 4 sent" in linked[0][1].en
    assert "→ 500 — den feilende utvekslingen; 4 sendt" in linked[0][1].nb
    assert [e for e, _ in linked[1:]] == exchanges[:3]
    facts = evidence.facts()
    assert facts["failing_payload"] == {"apiKey": "«redacted»", "formOrderId": "id-4"}
    assert set(facts["latency"]) == {"PromsFormOrder", "MessageToCitizen"}


def test_latency_is_summarized_per_endpoint() -> None:
    exchanges = [_exchange("a", 10, endpoint="PersonvernInnstilling"), _exchange("a", 30)]
    summary = latency_by_endpoint(exchanges)
    assert list(summary) == ["PersonvernInnstilling", "PromsFormOrder"]
    assert summary["PromsFormOrder"].count == 1
    assert summary["PromsFormOrder"].p95_s == 0.03


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Stream(io.StringIO):
    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_in_a_log_is_a_line_about_every_ten_seconds() -> None:
    stream, clock = _Stream(tty=False), _Clock()
    progress = CheckProgress(stream, clock=clock)
    progress.start("accepts_generated_answer_callbacks", "R1", index=3, total=11)
    for _ in range(40):
        clock.now += 0.5
        progress.sent(_exchange("x", 1))
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "check-receiver: check 3/11 R1 accepts_generated_answer_callbacks: 20 examples sent, 10 s",
        "check-receiver: check 3/11 R1 accepts_generated_answer_callbacks: 40 examples sent, 20 s",
    ]


def test_progress_on_a_terminal_is_a_note_rewritten_in_place_then_taken_back() -> None:
    stream, clock = _Stream(tty=True), _Clock()
    progress = CheckProgress(stream, clock=clock)
    progress.start("no_5xx_on_valid", "R4", index=10, total=11)
    clock.now += 1
    progress.sent(_exchange("x", 1))
    clock.now += 0.05  # within a tenth of a second: not redrawn
    progress.sent(_exchange("x", 2))
    progress.finish()
    first = " [check 10/11 R4 no_5xx_on_valid: 0 sent, 0 s]"
    second = " [check 10/11 R4 no_5xx_on_valid: 1 sent, 1 s]"
    assert stream.getvalue() == (
        first + f"\x1b[{len(first)}D\x1b[K" + second + f"\x1b[{len(second)}D\x1b[K"
    )
    assert "\r" not in stream.getvalue()  # pytest's dots before the note stay on the line
