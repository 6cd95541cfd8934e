"""The suites say their failures in both report languages.

Full runs against the embedded simulator with faults, read once each (issue 25): the eight
runs of the fault matrix (tests/run/test_whole_run.py: every fault kind on every callback
kind, made once a session) and run B here, with faults no matrix case has: a 502 on the
first order and a 504 on the first letter, every status on the wrong channel, every answer
dropped (with the portal pictures, so their captions are on the bokmål page too). B alone
fails (or leaves *not run*) a check of every suite module. Every failing row's failure must
carry a bokmål message that differs from the English one and leaves no English word of ours
in it; ``report.html`` shows the bokmål, ``report.en.html`` the English.

(A second run of its own, A, had five faults that are each a case of the matrix — a wrong
key on the first status and the first answer, a duplicate letter status and privacy change,
a PVK 502 — so the matrix's runs say the same failures and more.)

The fast tests below call the suites' helpers and the attestation path directly.
"""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Callable
from types import ModuleType, SimpleNamespace

import pytest
from full_runs import on_run, shared_run
from markupsafe import escape
from test_whole_run import MATRIX, _matrix_run
from test_whole_run import RUNS as MATRIX_RUNS

from eprom_verify import ApiError, CheckFailure
from eprom_verify._exceptions import AttestationMissing
from eprom_verify._paths import suites_dir
from eprom_verify.contract import CallbackKind
from eprom_verify.pytest import NotRun
from eprom_verify.report.model import Attestation
from eprom_verify.run.manual import ManualSteps, answered_no
from eprom_verify.wording import Text
from tests.bokmal import english_left_in

#: run B: its faults, extra options and the checkpoint rows that must fail
B_FAULTS = [
    {"type": "helsenorge_502", "callback": "status", "times": 1},
    {"type": "helsenorge_504", "callback": "letter", "times": 1},
    {"type": "wrong_channel", "callback": "status", "times": None},
    {"type": "drop", "callback": "answer", "times": None},
]
B_ARGS = ["--callback-timeout", "4"]  # room for a loaded machine; answers are dropped
B_FAILS = {"V1.1", "V1.3", "V3.1", "S1", "S2", "P1", "L1", "L2"}


def _run_b(factory: pytest.TempPathFactory) -> dict:
    """Run B, made once a session, with the portal pictures (their captions in bokmål)."""
    return shared_run(factory, "language-B", B_FAULTS, *B_ARGS, pictures=True)


def _matrix(name: str) -> Callable[[pytest.TempPathFactory], dict]:
    return lambda factory: _matrix_run(factory, name)


#: run → (how to get it, the checkpoint rows that must fail)
RUNS: dict[str, tuple[Callable[[pytest.TempPathFactory], dict], set[str]]] = {
    **{
        name: (_matrix(name), set().union(*(MATRIX[case] for case in cases)))
        for name, cases in MATRIX_RUNS.items()
    },
    "language-B": (_run_b, B_FAILS),
}
#: suite modules whose failures (or *not run* reasons) run B must show
SUITES = {
    "test_v1_order.py",
    "test_v2_v3_fill_and_answer.py",
    "test_letters_sms_privacy.py",
    "test_patient_initiated.py",
    "test_special_cases.py",
}


def _by_run(test: Callable[..., None]) -> Callable[..., None]:
    """Parametrize ``test`` over :data:`RUNS`, each in the xdist group of its run."""
    return pytest.mark.parametrize(
        "name", [pytest.param(name, marks=[on_run(name)]) for name in RUNS]
    )(test)


def _result(factory: pytest.TempPathFactory, name: str) -> dict:
    return RUNS[name][0](factory)


def _bokmal_problem(nb: str, en: str) -> str | None:
    if nb == en:
        return "not translated"
    left = english_left_in(nb)  # ePROM's texts are quoted «…», fingerprints removed
    return f"English words {left}" if left else None


@_by_run
def test_every_failure_is_said_in_bokmal_and_english(tmp_path_factory, name):
    result = _result(tmp_path_factory, name)
    report, out = result["report"], result["out"][-3000:]
    assert result["code"] == 1, out
    failed = {r["id"] for r in report["rows"] if r["status"] == "failed"}
    assert failed == RUNS[name][1], out
    problems, said = [], 0
    for row in report["rows"]:
        for failure in row["failures"]:
            if not failure["message"]:
                continue
            messages = failure["messages"]
            assert set(messages) == {"nb", "en"}, (row["id"], failure["nodeid"])
            assert messages["en"] == failure["message"], failure["nodeid"]
            problem = _bokmal_problem(messages["nb"], messages["en"])
            if problem:
                problems.append(f"{row['id']} {failure['nodeid']}: {problem}: {messages['nb']}")
            said += 1
    assert said, "no failure with a message"
    assert not problems, "\n".join(problems[:10])


#: the page's own words that stay English on purpose: the header glosses the callback
#: service with ePROM's own term («callback», as in BestillingAvSkjemaV2.md)
_GLOSSES = ("(callback)",)


@_by_run
def test_the_bokmal_page_reads_as_bokmal(tmp_path_factory, name):
    """Everything a reviewer reads on report.html outside payloads and code is bokmål."""
    page = (_result(tmp_path_factory, name)["folder"] / "report.html").read_text("utf-8")
    page = re.sub(r"<(script|style|pre|code)[^>]*>.*?</\1>", " ", page, flags=re.S)
    lines = html.unescape(re.sub(r"<[^>]+>", "\n", page)).splitlines()
    left = {
        line.strip(): words for line in lines if (words := english_left_in(line, not_ours=_GLOSSES))
    }
    assert not left, left


@_by_run
def test_every_check_not_passed_is_said_in_both_languages(tmp_path_factory, name):
    """Failed or *not run*: each check's own sentence, in bokmål and in English."""
    checks = [
        check
        for check in _result(tmp_path_factory, name)["report"]["checks"]
        if check["outcome"] in ("failed", "not_run") and check["message"]
    ]
    assert checks
    for check in checks:
        messages = check["messages"]
        assert messages.get("nb"), check["nodeid"]
        assert messages["nb"] != messages.get("en"), check["nodeid"]


@on_run("language-B")
def test_run_b_reaches_every_suite_module(tmp_path_factory):
    """Failed or *not run* in each suite module, so each module's sentences are read."""
    reached = set()
    for check in _run_b(tmp_path_factory)["report"]["checks"]:
        if check["outcome"] in ("failed", "not_run") and check["message"]:
            reached.add(check["nodeid"].split("::")[0].rsplit("/", 1)[-1])
    assert reached >= SUITES, SUITES - reached


@_by_run
def test_each_report_shows_its_language(tmp_path_factory, name):
    result = _result(tmp_path_factory, name)
    folder = result["folder"]
    nb = (folder / "report.html").read_text("utf-8")
    en = (folder / "report.en.html").read_text("utf-8")
    shown = 0
    for row in result["report"]["rows"]:
        for failure in row["failures"]:
            messages = failure["messages"]
            if not messages:
                continue
            assert str(escape(messages["nb"])) in nb, (row["id"], messages["nb"])
            assert str(escape(messages["en"])) in en, (row["id"], messages["en"])
            assert str(escape(messages["en"])) not in nb, (row["id"], messages["en"])
            shown += 1
    assert shown


# --- the helpers, without a run ----------------------------------------------------------


def _suite_module(monkeypatch, name: str) -> ModuleType:
    """A suite module loaded from the suites folder (it imports ``_support`` by name)."""
    folder = suites_dir()
    monkeypatch.syspath_prepend(str(folder))
    spec = importlib.util.spec_from_file_location(f"_language_{name}", folder / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _both(texts: dict[str, str]) -> tuple[str, str]:
    assert set(texts) == {"nb", "en"}, texts
    assert texts["nb"] != texts["en"], texts
    assert not english_left_in(texts["nb"]), texts["nb"]
    return texts["nb"], texts["en"]


@pytest.mark.parametrize(
    ("kind", "nb_word"),
    [
        (CallbackKind.STATUS, "statusmelding"),
        (CallbackKind.ANSWER, "svarmelding"),
        (CallbackKind.LETTER, "brevstatusmelding"),
        (CallbackKind.PRIVACY, "melding om personverninnstilling"),
    ],
)
def test_require_callback_names_the_kind_in_both_languages(monkeypatch, kind, nb_word):
    support = _suite_module(monkeypatch, "_support")
    with pytest.raises(NotRun) as caught:
        support.require_callback([], kind)
    nb, en = _both(caught.value.texts)
    assert nb == f"ikke kjørt: ingen {nb_word} kom; se kontrollen som venter på den"
    assert en.startswith(f"not run: no {kind.value}")
    first = SimpleNamespace(seq=1)
    assert support.require_callback([first, SimpleNamespace(seq=2)], kind) is first


def test_require_order_says_why_in_both_languages(monkeypatch):
    support = _suite_module(monkeypatch, "_support")
    refused = SimpleNamespace(error=ApiError(method="POST", url="u", status=502, text="x"))
    with pytest.raises(NotRun) as caught:
        support.require_order(refused)
    assert _both(caught.value.texts)[0] == "ikke kjørt: bestillingen ble avvist (502); se V1.1"
    unknown = SimpleNamespace(error=None, made=False)
    with pytest.raises(NotRun) as caught:
        support.require_order(unknown)
    assert "ukjent person" in _both(caught.value.texts)[0]


def test_a_missing_inbox_task_names_the_order_in_both_languages(monkeypatch):
    fill = _suite_module(monkeypatch, "test_v2_v3_fill_and_answer")
    order_id = "0b5e1c2a-1111-4222-8333-444455556666"
    with pytest.raises(CheckFailure) as caught:
        fill._task({"tasks": [{"formOrderId": "other"}]}, order_id)
    nb, en = _both(caught.value.messages)
    assert nb == f"innbyggerens innboks har ingen oppgave for bestilling {order_id}"
    assert en == f"the citizen's inbox has no task for order {order_id}"
    assert caught.value.expected_texts["nb"] == f"en oppgave med formOrderId {order_id}"
    assert caught.value.received == ["other"]
    assert caught.value.order_id == order_id


def test_a_privacy_call_that_fails_is_said_in_both_languages(monkeypatch):
    letters = _suite_module(monkeypatch, "test_letters_sms_privacy")

    def refused():
        raise ApiError(method="POST", url="u", status=502, text="PVK svarte ikke")

    what = Text(en="reading X for p", nb="lesing av «X» for «p»")
    with pytest.raises(CheckFailure) as caught:
        letters._answered(refused, what)
    nb, en = _both(caught.value.messages)
    assert nb == "Lesing av «X» for «p» feilet: 502 «PVK svarte ikke»"
    assert en == "reading X for p failed: 502 PVK svarte ikke"
    assert str(caught.value).startswith(en)


def test_a_no_is_said_in_both_languages_with_the_comment():
    question = Text(en="Did the cover letter show?", nb="Ble følgebrevet vist?")
    failure = answered_no("Kari", question, "blank side")
    nb, en = _both(failure.messages)
    assert nb == "Kari svarte nei: Ble følgebrevet vist? — blank side"
    assert en == "Kari answered no: Did the cover letter show? — blank side"
    assert (failure.expected_texts, failure.received_texts) == (
        {"nb": "ja", "en": "yes"},
        {"nb": "nei", "en": "no"},
    )


class _Terminal:
    """A tester at the terminal: scripted replies, everything shown kept."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.shown: list[str] = []

    def write(self, text: str) -> None:
        self.shown.append(text)

    def flush(self) -> None:
        pass

    def readline(self) -> str:
        return self.replies.pop(0) + "\n" if self.replies else ""


def _steps(lang: str, terminal: _Terminal | None = None, attested: dict | None = None):
    settings = SimpleNamespace(
        lang=lang, tester="Kari", env="simulator", fill="manual", fill_timeout_s=1.0
    )
    # the callbacks are not read when asking
    return ManualSteps(settings=settings, callbacks=None, stream=terminal, attestations=attested)


QUESTION = Text(
    en="Did the cover letter show as expected?", nb="Ble følgebrevet vist som forventet?"
)


@pytest.mark.parametrize(("lang", "other"), [("nb", "en"), ("en", "nb")])
def test_the_question_is_asked_in_the_runs_language(monkeypatch, lang, other):
    monkeypatch.setattr("eprom_verify.run.manual.interactive", lambda: True)
    terminal = _Terminal("n", "")
    with pytest.raises(CheckFailure) as caught:
        _steps(lang, terminal).require_attestation("V2.2", QUESTION)
    shown = "".join(terminal.shown)
    assert QUESTION.in_language(lang) in shown
    assert QUESTION.in_language(other) not in shown
    assert caught.value.messages == {
        "nb": "Kari svarte nei: Ble følgebrevet vist som forventet?",
        "en": "Kari answered no: Did the cover letter show as expected?",
    }


def test_an_unanswered_question_keeps_both_languages(monkeypatch):
    monkeypatch.setattr("eprom_verify.run.manual.interactive", lambda: False)
    with pytest.raises(AttestationMissing) as caught:
        _steps("nb").require_attestation("V2.2", QUESTION)
    assert caught.value.question == QUESTION


def test_a_no_from_the_attestation_file_fails_in_both_languages(monkeypatch):
    monkeypatch.setattr("eprom_verify.run.manual.interactive", lambda: False)
    no = Attestation(
        checkpoint_id="V2.2", tester="Ola", answer="no", at="2026-11-22T10:00:00Z", source="file"
    )
    with pytest.raises(CheckFailure) as caught:
        _steps("en", attested={"V2.2": no}).require_attestation("V2.2", QUESTION)
    assert caught.value.messages["nb"] == "Ola svarte nei: Ble følgebrevet vist som forventet?"
