"""Modules that moved into the run/, cli/ and config/ wings keep their old import path for
one release: the same module object, with a DeprecationWarning that names the new path."""

from __future__ import annotations

import importlib
import importlib.resources
import subprocess
import sys

import pytest

from eprom_verify._aliases import MOVED


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_the_old_path_gives_the_new_module_with_a_warning(old: str, new: str) -> None:
    # A fresh interpreter: in this one the old name may already be cached.
    code = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = importlib.import_module({old!r})\n"
        f"new = importlib.import_module({new!r})\n"
        "assert old is new, (old, new)\n"
        "messages = [str(w.message) for w in caught if w.category is DeprecationWarning]\n"
        f"assert any({new!r} in m for m in messages), messages\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_new_home_exists_and_no_old_file_is_left() -> None:
    import eprom_verify

    root = eprom_verify.__path__[0]
    for old, new in MOVED.items():
        importlib.import_module(new)
        relative = old.removeprefix("eprom_verify.").replace(".", "/") + ".py"
        assert not (importlib.resources.files("eprom_verify") / relative).is_file(), (
            f"{root}/{relative} still exists beside its new home {new}"
        )


def test_an_unknown_module_is_still_an_import_error() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("eprom_verify.no_such_module")
