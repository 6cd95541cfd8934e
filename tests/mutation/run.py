"""A small mutation runner for the verdict core: one mutant at a time, the fast unit tests.

    python -m tests.mutation ledger channels redact       # every mutant of the three
    python -m tests.mutation redact --only 120            # the mutants on line 120
    python -m tests.mutation ledger --list                # the mutants, nothing run

Operators (the ones issue 24 names): flipped comparisons (each operator to its negation and
to its boundary neighbour: ``<`` → ``>=`` and ``<=``), ``and``/``or`` swapped, negated
conditions (``if``/``while``/conditional expression/comprehension filter; a ``not`` removed),
a deleted ``return`` or ``raise`` (replaced by ``pass``), integer constants ±1.

How a mutant runs: the module's source is parsed once; for each mutant the mutated tree is
compiled and, in a forked child, every function of the module (top level, methods,
properties) gets the mutated function's code object (``f.__code__ = …``), so every reference
the tests hold sees the mutant, and the module's other globals are replaced by the mutated
ones. The child then runs pytest on the module's test files (``-x``: the first failure kills
the mutant). A child that runs past its time limit counts as killed (an endless loop).

A mutant listed in ``tests/mutation/equivalent.txt`` (its key, ``module:line:col:operator``)
cannot be told apart from the original by any test; docs/mutation.md explains each. The
score is killed / (mutants - equivalent).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import os
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest_hook = pytest.hookimpl(tryfirst=True)

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT = Path(__file__).with_name("equivalent.txt")

#: module → the fast unit tests that judge it (the mutation score is theirs)
TESTS: dict[str, list[str]] = {
    "ledger": [
        "tests/test_ledger_rules.py",
        "tests/test_ledger_properties.py",
        "tests/test_ledger.py",
    ],
    "channels": ["tests/test_channels_guide.py", "tests/test_channels.py"],
    "redact": ["tests/test_redact.py", "tests/test_redact_properties.py"],
    # V1.3 and the acknowledgement rule, which the ledger and observe's judge share
    "callbacks": [
        "tests/contract/test_callbacks.py",
        "tests/test_ledger_rules.py",
        "tests/test_ledger.py",
    ],
}

#: the short name → the module under eprom_verify (the package's wings, docs/architecture.md)
MODULES: dict[str, str] = {
    "ledger": "run.ledger",
    "channels": "channels",
    "redact": "redact",
    "callbacks": "contract.callbacks",
}

_NEGATE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
    ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}  # fmt: skip
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
}  # fmt: skip
_SYMBOL = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int  # the n-th mutation site visit, in ast.walk order
    line: int
    col: int
    operator: str
    source: str  # the line as written

    @property
    def key(self) -> str:
        return f"{self.module}:{self.line}:{self.col}:{self.operator}"


Apply = Callable[[ast.AST], ast.AST | None]


def _sites(tree: ast.Module) -> Iterator[tuple[ast.AST, str, Apply]]:
    """Every (node, operator, apply) in the module, inside functions and top-level code."""
    for node in _mutable_nodes(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                kind = type(op)
                for target in (_NEGATE.get(kind), _BOUNDARY.get(kind)):
                    if target is None:
                        continue

                    def flip(n: ast.AST, i: int = i, target: type[ast.cmpop] = target) -> ast.AST:
                        assert isinstance(n, ast.Compare)
                        n.ops[i] = target()
                        return n

                    yield node, f"{_SYMBOL[kind]}→{_SYMBOL[target]}", flip
        elif isinstance(node, ast.BoolOp):

            def swap(n: ast.AST) -> ast.AST:
                assert isinstance(n, ast.BoolOp)
                n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
                return n

            yield node, "and→or" if isinstance(node.op, ast.And) else "or→and", swap
        elif isinstance(node, ast.If | ast.While | ast.IfExp):

            def negate(n: ast.AST) -> ast.AST:
                assert isinstance(n, ast.If | ast.While | ast.IfExp)
                n.test = ast.UnaryOp(op=ast.Not(), operand=n.test)
                return n

            yield node, "negate-condition", negate
        elif isinstance(node, ast.comprehension) and node.ifs:
            for condition in node.ifs:  # the filter itself is replaced (in the ifs list)
                yield condition, "negate-filter", _negated
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "drop-not", lambda n: n.operand  # type: ignore[attr-defined,no-any-return]
        elif isinstance(node, ast.Return | ast.Raise):
            name = "delete-return" if isinstance(node, ast.Return) else "delete-raise"
            yield node, name, lambda n: ast.Pass()
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
        ):
            for delta in (1, -1):

                def shift(n: ast.AST, delta: int = delta) -> ast.AST:
                    assert isinstance(n, ast.Constant)
                    return ast.Constant(value=n.value + delta)

                yield node, f"{node.value}→{node.value + delta}", shift


def _negated(n: ast.AST) -> ast.AST:
    assert isinstance(n, ast.expr)
    return ast.UnaryOp(op=ast.Not(), operand=n)


def _mutable_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Nodes in function bodies and top-level statements; not in annotations, class bodies
    outside methods, docstrings or ``__all__``."""
    for stmt in tree.body:
        yield from _walk_stmt(stmt)


def _walk_stmt(stmt: ast.stmt) -> Iterator[ast.AST]:
    if isinstance(stmt, ast.ClassDef):
        for inner in stmt.body:
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from _walk_stmt(inner)
        return
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        for inner in stmt.body:
            yield from _walk_expr_tree(inner)
        return
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets
    ):
        return
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Expr):
        return
    if isinstance(stmt, ast.AnnAssign):
        if stmt.value is not None:
            yield from _walk_expr_tree(stmt.value)
        return
    yield from _walk_expr_tree(stmt)


def _walk_expr_tree(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk, skipping annotations (and nested functions' annotations)."""
    todo = [node]
    while todo:
        current = todo.pop(0)
        yield current
        for name, value in ast.iter_fields(current):
            if name in ("annotation", "returns", "type_comment"):
                continue
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ast.AST))


def mutants(module: str) -> list[Mutant]:
    path = _path(module)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    out = []
    for index, (node, operator, _apply) in enumerate(_sites(tree)):
        line = getattr(node, "lineno", 0)
        col = getattr(node, "col_offset", 0)
        out.append(Mutant(module, index, line, col, operator, lines[line - 1].strip()))
    return out


def mutated_tree(module: str, index: int) -> ast.Module:
    """The module's syntax tree with mutant ``index`` applied."""
    tree = ast.parse(_path(module).read_text(encoding="utf-8"))
    for n, (node, _operator, apply) in enumerate(_sites(tree)):
        if n == index:
            _replace(tree, node, apply(node))
            break
    return tree


def mutated_code(module: str, index: int) -> types.CodeType:
    tree = mutated_tree(module, index)
    ast.fix_missing_locations(tree)
    return compile(tree, str(_path(module)), "exec")


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST | None) -> None:
    """Put ``new`` where ``old`` is (the appliers mutate in place or return a new node)."""
    if new is old:
        return
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def _path(module: str) -> Path:
    return ROOT / "eprom_verify" / f"{MODULES[module].replace('.', '/')}.py"


def _install(module: str, code: types.CodeType) -> None:
    """Make the imported module behave as the mutant (in this process: a forked child)."""
    target = importlib.import_module(f"eprom_verify.{MODULES[module]}")
    fresh: dict[str, Any] = {"__name__": target.__name__, "__file__": target.__file__}
    exec(code, fresh)  # noqa: S102 - our own module, mutated on purpose
    filename = target.__file__
    for name, value in list(vars(target).items()):
        new = fresh.get(name)
        if new is None:
            continue
        if inspect.isfunction(value):
            # a decorated rule (findings.rule wraps with functools.wraps): the body that
            # judges is the wrapped function, whose code lives in this module
            _swap(inspect.unwrap(value), inspect.unwrap(new), filename)
        elif inspect.isclass(value) and value.__module__ == target.__name__:
            for attr, member in vars(value).items():
                other = vars(new).get(attr)
                for old_f, new_f in _functions(member, other):
                    _swap(old_f, new_f, filename)
        elif not inspect.ismodule(value) and not inspect.isclass(value):
            setattr(target, name, new)


def _functions(member: Any, other: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(member, staticmethod | classmethod) and other is not None:
        yield member.__func__, other.__func__
    elif isinstance(member, property) and isinstance(other, property):
        for a, b in ((member.fget, other.fget), (member.fset, other.fset)):
            if a is not None and b is not None:
                yield a, b
    elif inspect.isfunction(member) and inspect.isfunction(other):
        yield member, other


def _swap(old: Any, new: Any, filename: str | None) -> None:
    if not inspect.isfunction(new) or old.__code__.co_filename != filename:
        return
    try:
        old.__code__ = new.__code__
    except ValueError:  # a different closure shape: leave this one
        pass


class _Loop:
    """A pytest plugin: collect once, then fork one child per mutant that runs the items."""

    def __init__(self, module: str, found: list[Mutant], limit_s: float) -> None:
        self.module, self.found, self.limit_s = module, found, limit_s
        self.results: dict[int, str] = {}
        self.baseline = "survived"

    @pytest_hook
    def pytest_runtestloop(self, session: Any) -> bool:
        if not session.items:  # nothing would judge a mutant: every one would "survive"
            self.baseline = "no tests collected"
            return True
        self.baseline = self._fork(session, None, 600)
        if self.baseline == "survived":
            for m in self.found:
                self.results[m.index] = self._fork(session, m.index, self.limit_s)
        return True

    def _fork(self, session: Any, index: int | None, limit_s: float) -> str:
        pid = os.fork()
        if pid == 0:  # the child: run the items, stop at the first failure
            code = 1
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                if index is not None:
                    code = _NOT_MADE  # until it is installed: a runner's error is no kill
                    _install(self.module, mutated_code(self.module, index))
                code = _run_items(session)
            finally:
                os._exit(code)
        deadline = time.monotonic() + limit_s
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return {0: "survived", _NOT_MADE: "not made"}.get(code, "killed")
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
            time.sleep(0.01)


#: a child's exit code when the mutant could not be made or installed (a runner bug)
_NOT_MADE = 86


def _run_items(session: Any) -> int:
    from _pytest.runner import runtestprotocol

    items = session.items
    for i, item in enumerate(items):
        following = items[i + 1] if i + 1 < len(items) else None
        reports = runtestprotocol(item, nextitem=following, log=False)
        if any(r.failed for r in reports):
            return 1
    return 0


def _equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    out = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        key, _, why = line.partition(" ")
        if key and not key.startswith("#"):
            out[key] = why.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mutation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("modules", nargs="+", choices=sorted(TESTS))
    parser.add_argument("--only", type=int, action="append", help="only mutants on this line")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    os.environ.setdefault("CI", "true")  # the derandomized hypothesis profile
    sys.path.insert(0, str(ROOT / "tests"))
    for module in args.modules:  # import once, before forking
        importlib.import_module(f"eprom_verify.{MODULES[module]}")

    equivalent = _equivalent()
    worst = 100.0
    for module in args.modules:
        tests = [t for t in TESTS[module] if (ROOT / t).exists()]
        found = [m for m in mutants(module) if not args.only or m.line in args.only]
        if args.list:
            for m in found:
                print(f"{m.key}  {m.source}")
            continue
        skipped = sum(1 for m in found if m.key in equivalent)
        found = [m for m in found if m.key not in equivalent]
        start = time.monotonic()
        loop = _Loop(module, found, limit_s=args.timeout)
        # -n 0: the forked children run the items of this process (addopts has -n auto)
        pytest.main([*tests, "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", "-W", "ignore",
                     "--no-header", "-o", "console_output_style=classic"], plugins=[loop])  # fmt: skip
        if loop.baseline != "survived":
            print(f"{module}: the tests fail without a mutant — fix them first", file=sys.stderr)
            return 2
        not_made = [m for m in found if loop.results.get(m.index) == "not made"]
        if not_made:  # counted as killed they would inflate the score (negate-filter did)
            for m in not_made:
                print(f"  not made {m.key}  {m.source}", file=sys.stderr)
            print(f"{module}: {len(not_made)} mutants could not be made — fix the runner",
                  file=sys.stderr)  # fmt: skip
            return 2
        survivors = [m for m in found if loop.results.get(m.index) == "survived"]
        found_total = len(found) + skipped
        total = found_total - skipped
        killed = total - len(survivors)
        score = 100.0 * killed / total if total else 100.0
        worst = min(worst, score)
        print(
            f"{module}: {killed}/{total} killed, score {score:.1f} % "
            f"({skipped} equivalent not counted, {time.monotonic() - start:.0f} s)"
        )
        for m in survivors:
            print(f"  survived {m.key}  {m.source}")
    return 0 if worst >= 90.0 or args.list else 1
