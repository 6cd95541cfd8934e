"""The pytest plugin on its own: markers, refusals, report hooks."""

from __future__ import annotations

import pytest


def test_unknown_checkpoint_id_is_refused(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.checkpoint("V9.9")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown checkpoint id(s) V9.9; known: *V1.1*"])


def test_prod_is_refused_for_checks_that_reach_people(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.checkpoint("V1.1")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("--eprom-env", "prod", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*refusing --env prod*real people*"])


def test_receiver_checks_may_name_prod(pytester, monkeypatch):
    monkeypatch.setenv("EPROM_API_KEY", "k")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.receiver
        @pytest.mark.checkpoint("R1")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("--eprom-env", "prod", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_markers_are_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["*checkpoint(*ids)*", "*receiver*"])


def test_report_records_outcomes(pytester, tmp_path):
    pytester.makepyfile(
        """
        import pytest
        from eprom_verify import CheckFailure
        from eprom_verify.pytest import needs_attestation, not_run

        @pytest.mark.checkpoint("U1")
        def test_ok():
            pass

        @pytest.mark.checkpoint("U2")
        def test_bad():
            raise CheckFailure("the e-mail was lost", expected="sent", received="lost")

        @pytest.mark.checkpoint("PV3")
        def test_manual():
            needs_attestation("did the citizen see it?")

        @pytest.mark.checkpoint("PV2")
        def test_depends():
            not_run("the setting was never read; see PV1")

        @pytest.mark.checkpoint("PV1")
        def test_text_is_not_a_protocol():
            pytest.skip("needs attestation: a plain skip is never read as an attestation")
        """
    )
    out = tmp_path / "report"
    result = pytester.runpytest("--eprom-report-dir", str(out), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, skipped=3)
    import json

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    status = {r["id"]: r["status"] for r in report["rows"]}
    assert status["U1"] == "passed"
    assert status["U2"] == "failed"
    assert status["PV3"] == "needs_attestation"
    assert status["PV2"] == "not_run"
    assert status["PV1"] == "not_run"
    failure = next(r for r in report["rows"] if r["id"] == "U2")["failures"][0]
    assert (failure["expected"], failure["received"]) == ("sent", "lost")
    assert (out / "MANIFEST.sha256").is_file()


def test_whole_run_checks_go_last_and_survive_k_for_the_selected_areas(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.run_ledger
        @pytest.mark.parametrize("cid", [
            pytest.param(c, id=c, marks=pytest.mark.checkpoint(c))
            for c in ("V1.4", "L1", "PV3", "LC1")
        ])
        def test_whole_run(cid):
            pass

        @pytest.mark.checkpoint("S1")
        def test_on_behalf_of():
            pass

        @pytest.mark.checkpoint("U1")
        def test_sms():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "-k", "on_behalf_of")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_on_behalf_of PASSED*",
            "*test_whole_run?V1.4? PASSED*",
            "*test_whole_run?LC1? PASSED*",
        ]
    )


def test_pytester_runs_leave_out_the_plugins_no_test_uses(pytester):
    # conftest.py's pytester: each in-process run would import schemathesis and typeguard
    # anew (~1 CPU-s a run); a test that wants one names it with -p
    pytester.makepyfile("def test_x():\n    pass\n")
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    manager = recorder.getcall("pytest_sessionstart").session.config.pluginmanager
    loaded = [name for name in ("schemathesis", "typeguard", "anyio") if manager.has_plugin(name)]
    assert loaded == [], f"expected no unused plugin loaded; received {loaded}"
    assert manager.has_plugin("eprom_verify")  # the plugins the tests use are still there
