"""Benchmarks of eprom-verify: ``python -m benchmarks [--quick] [--only NAME]``.

How long a full verification takes, how much the simulator and the receiver check carry,
how the simulator compares with a Prism mock of its own OpenAPI, and how cost grows with
test persons and stored orders. See README.md in this folder; the figures of the last full
run are in results.json.
"""

from __future__ import annotations

from .cli import RESULTS_FILE, add_arguments, main, run

__all__ = ["RESULTS_FILE", "add_arguments", "main", "run"]
