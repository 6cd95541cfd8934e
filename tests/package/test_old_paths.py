"""Modules that moved into the run/, cli/ and config/ wings keep their old import path for
one release: the same module object, with a DeprecationWarning that names the new path."""

from __future__ import annotations

import importlib
import importlib.resources
import json
import subprocess
import sys

import pytest

from eprom_verify._aliases import MOVED

#: one fresh interpreter imports every old path in turn (22 interpreters took ~10 CPU-s): in it
#: no old name is cached before its turn, which the script checks for each one
_CHECK_ALL = """
import importlib, json, sys, warnings
results = {}
for old, new in json.loads(sys.argv[1]):
    if old in sys.modules:
        results[old] = f"{old} was already imported before its turn (a module uses the old path)"
        continue
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(old)
        wanted = importlib.import_module(new)
        messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
        if module is not wanted:
            results[old] = f"{old} gave {module!r}, not the module {new}"
        elif not any(new in m for m in messages):
            results[old] = f"no DeprecationWarning naming {new}; warnings: {messages}"
        else:
            results[old] = None
    except Exception as exc:
        results[old] = f"{type(exc).__name__}: {exc}"
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def old_path_results() -> dict[str, str | None]:
    """Each old path → None when it gave the new module with the warning, else what went wrong."""
    pairs = json.dumps(sorted(MOVED.items()))
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _CHECK_ALL, pairs], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, str | None] = json.loads(result.stdout.splitlines()[-1])
    return found


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_the_old_path_gives_the_new_module_with_a_warning(
    old: str, new: str, old_path_results: dict[str, str | None]
) -> None:
    assert old in old_path_results, f"{old} was not checked"
    assert old_path_results[old] is None, old_path_results[old]


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
