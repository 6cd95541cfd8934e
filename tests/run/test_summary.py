"""The checkpoint summary table and the short failure blocks, pinned."""

from __future__ import annotations

import io
import re

import pytest

from eprom_verify.pytest.summary import first_failure_line, print_summary

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _check(nodeid, ids, outcome, **fields):
    return {"nodeid": nodeid, "name": nodeid, "checkpoint_ids": ids, "outcome": outcome, **fields}


def _report(*, interrupted=False, faults=()):
    failure = _check(
        "suites/test_v1_order.py::test_no_errors_no_duplicates[verification-person-Basic]",
        ["V1.4"],
        "failed",
        message="2 status callbacks for order dd72 (duplicates)",
        expected="1 status callback",
        received="2 status callbacks",
        order_ids=["dd72"],
    )
    checks = [
        _check("t1", ["V1.1"], "passed"),
        _check("t2", ["V1.1"], "passed"),
        _check("t3", ["V1.4"], "passed"),
        failure,
        _check("t5", ["V2.1"], "needs_attestation", message="needs attestation: shown?"),
    ]
    rows = [
        {"id": "V1.1", "title": "The order reaches ePROM", "status": "passed", "failures": []},
        {"id": "V1.4", "title": "No duplicates", "status": "failed", "failures": [failure]},
        {"id": "V2.1", "title": "The form shows", "status": "needs_attestation", "failures": []},
        {"id": "R1", "title": "The receiver accepts", "status": "not_run", "failures": []},
    ]
    run = {
        "environment": "simulator",
        "interrupted": interrupted,
        "faults_injected": list(faults),
    }
    return {"run": run, "rows": rows, "checks": checks}


def _printed(data, **kwargs):
    out = io.StringIO()
    print_summary(data, out, color=kwargs.pop("color", False), **kwargs)
    return out.getvalue()


def test_table_rows_counts_and_first_failure():
    text = _printed(_report(), report_path="reports/x/report.html")
    assert not ANSI.search(text), "plain text when not on a terminal"
    lines = text.splitlines()
    v11 = next(line for line in lines if "V1.1" in line)
    assert "passed" in v11
    assert "2/2" in v11
    v14 = next(line for line in lines if "V1.4" in line)
    assert "FAILED" in v14
    assert "1/2" in v14
    assert "order dd72: expected 1 status callback, received 2 status callbacks" in v14
    assert "V2.1" in text
    assert "needs attestation" in text
    assert not any(line.startswith("│ R1") for line in lines), "R1 had no test in this run"
    assert "checkpoints 3 — passed: 1, failed: 1, needs attestation: 1" in text
    assert "tests 5 — failed: 1, needs attestation: 1, passed: 3" in text
    assert "not part of this run: 1 checkpoint(s) (R1)" in text
    assert "faults injected: none" in text
    assert "report: reports/x/report.html" in text


def test_colour_only_when_asked():
    assert ANSI.search(_printed(_report(), color=True))


def test_quiet_prints_the_totals_alone():
    text = _printed(_report(), quiet=True, report_path="r/report.html")
    assert text.splitlines()[0].startswith("checkpoints 3 — passed: 1, failed: 1")
    assert "┃" not in text
    assert "│" not in text
    assert text.rstrip().endswith("report: r/report.html")


def test_the_kind_of_report_is_said():
    text = _printed(_report(), quiet=True)
    assert text.splitlines()[1].startswith("kind: Self-check — eprom-verify against its own")
    report = _report()
    report["run"].update(environment="test", mode="observe", simulated=False,
                         ordering_system="DIPS Arena")  # fmt: skip
    assert "kind: Go-live verification of DIPS Arena — DIPS Arena itself" in _printed(
        report, quiet=True
    )


def test_faults_and_interruption_are_said():
    text = _printed(_report(interrupted=True, faults=[{"type": "duplicate"}]), quiet=True)
    assert "faults injected by the simulator: 1 (duplicate)" in text
    assert "INTERRUPTED" in text


def test_first_failure_line_is_one_short_line():
    failure = {
        "message": "no status callback\nwithin 10 s " + "x" * 300,
        "order_ids": ["order abc"],
        "expected": 1,
        "received": 0,
    }
    line = first_failure_line({"failures": [failure, failure], "status": "failed"})
    assert "\n" not in line
    assert line.startswith("order abc: expected 1, received 0")
    assert line.endswith("[+1 more]")
    message_only = {"message": failure["message"], "order_ids": ["abc"]}
    line = first_failure_line({"failures": [message_only], "status": "failed"})
    assert line.startswith("order abc: no status callback within 10 s xxx")
    assert line.endswith("…")
    assert len(line) <= 200
    wide = {"expected": {"notificationChannel": "Helsenorge"}, "received": {"x": 1}}
    line = first_failure_line({"failures": [wide], "status": "failed"})
    assert line == "expected notificationChannel=Helsenorge, received x=1"


def test_a_privacy_setting_is_not_called_an_order():
    failure = {"order_ids": ["266702*****:b3cda307"], "expected": "x", "received": "y"}
    line = first_failure_line({"failures": [failure], "status": "failed"})
    assert line.startswith("privacy setting 266702*****:b3cda307: expected x")
    assert "order" not in line


def test_print_summary_refuses_other_things():
    with pytest.raises(TypeError, match="report.json's data"):
        print_summary(42, io.StringIO(), color=False)


# --- the short failure blocks (pytester) -------------------------------------------------

FAILING = """
import pytest
from eprom_verify._exceptions import CheckFailure

class Big:
    pass

@pytest.mark.checkpoint("V1.4")
def test_duplicate():
    helper = Big()
    raise CheckFailure(
        "2 status callbacks for order o-1 (duplicates)",
        expected="1 status callback", received="2 status callbacks", order_id="o-1",
    )

@pytest.mark.checkpoint("V1.1")
def test_crash():
    {}["missing"]
"""


def test_failures_are_short_blocks(pytester):
    pytester.makepyfile(FAILING)
    result = pytester.runpytest(
        "-p", "eprom_verify.pytest.summary", "--eprom-brief", "--tb=no", "-rN", "-q"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*= 2 failed =*",
            "V1.4 · test_failures_are_short_blocks.py::test_duplicate",
            "  2 status callbacks for order o-1 (duplicates)",
            "  expected: 1 status callback",
            "  received: 2 status callbacks",
            "  order:    o-1",
            "  at test_failures_are_short_blocks.py:10",
            "V1.1 · test_failures_are_short_blocks.py::test_crash",
            "  KeyError: 'missing'",
        ]
    )
    assert "helper = Big()" not in text, "no source lines"
    assert "object at 0x" not in text, "no object reprs"
    assert len(text.splitlines()) < 22


def test_long_tracebacks_without_brief(pytester):
    pytester.makepyfile(FAILING)
    result = pytester.runpytest("-p", "eprom_verify.pytest.summary", "--tb=long")
    assert "helper = Big()" in result.stdout.str()


def test_many_failures_of_one_checkpoint_are_counted(pytester):
    pytester.makepyfile(
        """
        import pytest
        from eprom_verify._exceptions import CheckFailure

        @pytest.mark.checkpoint("V1.2")
        @pytest.mark.parametrize("n", range(7))
        def test_lost(n):
            raise CheckFailure(f"no status callback for order o-{n}", expected=1, received=0)
        """
    )
    result = pytester.runpytest(
        "-p", "eprom_verify.pytest.summary", "--eprom-brief", "--tb=no", "-rN", "-q"
    )
    result.stdout.fnmatch_lines(
        ["V1.2: 4 more failing test(s) of this checkpoint — all are in the report"]
    )
    assert result.stdout.str().count("no status callback for order") == 3


def test_a_signal_while_the_session_finishes_does_not_cut_it(pytester, monkeypatch):
    """The report is written in pytest_sessionfinish: a SIGTERM then is noted, not obeyed."""
    # only the plugin under test in the child pytest: every installed one cost seconds to load
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest(
        """
        import os, signal
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(session):
            os.kill(os.getpid(), signal.SIGTERM)
            (session.config.rootpath / "sealed.txt").write_text("done")
        """
    )
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "eprom_verify.pytest.summary", timeout=60)
    assert result.ret == pytest.ExitCode.OK
    assert (pytester.path / "sealed.txt").read_text() == "done"
    result.stderr.fnmatch_lines(["*SIGTERM while the report is written: finishing it first"])
