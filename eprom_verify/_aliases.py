"""Old module paths → their new homes, for one release (deprecated in 0.x, removed after).

A meta path finder: importing ``eprom_verify.harness`` gives the module now at
``eprom_verify.run.harness`` (the same module object) and a ``DeprecationWarning``
that names the new path. ``eprom_verify.run`` itself is now the run side's wing; the
command that was there is ``eprom_verify.cli.run``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

__all__ = ["MOVED", "install"]

#: old dotted path → new dotted path
MOVED: dict[str, str] = {
    "eprom_verify.init": "eprom_verify.cli.init",
    "eprom_verify.coverage": "eprom_verify.cli.coverage",
    "eprom_verify.bench": "eprom_verify.cli.bench",
    "eprom_verify.simulator.cli": "eprom_verify.cli.simulator",
    "eprom_verify.report.cli": "eprom_verify.cli.report",
    "eprom_verify.observe.command": "eprom_verify.cli.observe",
    "eprom_verify.exit_codes": "eprom_verify.cli.exit_codes",
    "eprom_verify.interrupts": "eprom_verify.cli.interrupts",
    "eprom_verify.output": "eprom_verify.cli.output",
    "eprom_verify.harness": "eprom_verify.run.harness",
    "eprom_verify.ledger": "eprom_verify.run.ledger",
    "eprom_verify.verdict": "eprom_verify.run.verdict",
    "eprom_verify.evidence_trail": "eprom_verify.run.evidence_trail",
    "eprom_verify.manual": "eprom_verify.run.manual",
    "eprom_verify.listener": "eprom_verify.run.listener",
    "eprom_verify.assertions": "eprom_verify.run.assertions",
    "eprom_verify._session": "eprom_verify.run.session",
    "eprom_verify.preflight": "eprom_verify.run.preflight",
    "eprom_verify.placed": "eprom_verify.run.placed",
    "eprom_verify.settings": "eprom_verify.config.settings",
    "eprom_verify.config_file": "eprom_verify.config.file",
}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str) -> None:
        self._new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self._new}; the old path goes away in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(self._new)
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The module is already executed under its new name."""


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


def install() -> None:
    """Put the finder first on ``sys.meta_path``, once (it answers only for the moved names)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
