"""The benchmarks' peer figures: a baseline tree's runs paired with this tree's (no timing)."""

from __future__ import annotations

from benchmarks.measurements import _paired
from benchmarks.report import _paired_rows
from benchmarks.verification import baseline_tree


def _run(wall: float, cpu: float, code: int = 0) -> dict:
    return {"wall_s": wall, "cpu_s": cpu, "exit_code": code}


def test_each_pair_gives_a_ratio_and_the_spread_is_min_median_max():
    pairs = [(_run(10, 8), _run(5, 4)), (_run(12, 9), _run(4, 3)), (_run(11, 8), _run(11, 8))]
    paired = _paired("main", pairs)
    assert paired["pairs"] == 3
    assert paired["wall_s"]["speedup"] == {"min": 1.0, "median": 2.0, "max": 3.0}
    assert paired["wall_s"]["this"] == {"min": 4, "median": 5, "max": 11}
    assert paired["cpu_s"]["baseline"] == {"min": 8, "median": 8, "max": 9}
    assert paired["all_passed"]
    assert paired["baseline_all_passed"]
    rows = dict(_paired_rows(paired))
    assert rows["  s wall vs main (3 interleaved pairs)"].endswith("×1.0 / ×2.0 / ×3.0")


def test_a_failed_run_on_either_side_is_said():
    paired = _paired("main", [(_run(10, 8, code=1), _run(5, 4))])
    assert paired["all_passed"] is True
    assert paired["baseline_all_passed"] is False


def test_the_baseline_tree_is_the_refs_files(tmp_path):
    tree = baseline_tree("HEAD", tmp_path)
    assert (tree / "eprom_verify" / "__init__.py").is_file()
    assert (tree / "suites").is_dir()
