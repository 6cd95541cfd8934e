"""``eprom-verify bench``: the benchmarks of ``benchmarks/`` (same as ``python -m benchmarks``).

The benchmarks are not part of the installed package: they live beside it in a source
checkout. This module finds them there and hands over ``add_arguments`` and ``run``; without
a checkout the command says where to get one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

from eprom_verify._exceptions import UsageError

__all__ = ["add_arguments", "run"]

_CHECKOUT = Path(__file__).resolve().parents[2]


def _benchmarks() -> ModuleType | None:
    """``benchmarks.cli`` from the source checkout this package runs from, if there is one."""
    if (_CHECKOUT / "benchmarks" / "cli.py").is_file() and str(_CHECKOUT) not in sys.path:
        sys.path.insert(0, str(_CHECKOUT))
    try:
        return importlib.import_module("benchmarks.cli")
    except ImportError:
        return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark options, or none when the benchmarks are not there."""
    module = _benchmarks()
    if module is not None:
        module.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    module = _benchmarks()
    if module is None:
        raise UsageError(
            "the benchmarks are not installed with the package: run 'eprom-verify bench' "
            "(or 'python -m benchmarks') from a source checkout of eprom-verify"
        )
    code: int = module.run(args)
    return code
