"""The tests that read one shared run (or observation, or module fixture) reach one worker.

``--dist loadgroup`` sends the tests of one ``xdist_group`` to one pytest-xdist worker; the
shared runs of tests/run/full_runs.py and ``ONE_WORKER_MODULES`` rely on it. pytest-xdist
3.8 does it by renaming the test, which pytest 9 ignores, so the root conftest.py does it
(``_XdistGroupsOnPytest9``): this runs the real conftest with two workers and checks each
group stayed on one worker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_each_group_runs_on_one_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # xdist alone: a quick start
    pytester.makeconftest((ROOT / "conftest.py").read_text("utf-8"))
    pytester.makepyfile(
        test_groups="""
        import json, os, pathlib
        import pytest

        @pytest.mark.parametrize("n", [
            pytest.param(i, marks=[pytest.mark.xdist_group(f"group-{i % 2}")]) for i in range(8)
        ])
        def test_grouped(n):
            seen = pathlib.Path(f"seen-{n}.json")
            seen.write_text(json.dumps([n % 2, os.environ["PYTEST_XDIST_WORKER"]]))

        @pytest.mark.parametrize("n", range(4))
        def test_free(n):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "xdist.plugin", "-n", "2", "--dist", "loadgroup")
    result.assert_outcomes(passed=12)
    workers: dict[int, set[str]] = {}
    for path in pytester.path.glob("seen-*.json"):
        group, worker = json.loads(path.read_text("utf-8"))
        workers.setdefault(group, set()).add(worker)
    assert sorted(workers) == [0, 1], workers
    for group, ran_on in workers.items():
        assert len(ran_on) == 1, f"group-{group} ran on {sorted(ran_on)}, expected one worker"
