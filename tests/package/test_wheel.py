"""The wheel, installed the way an integrator installs it: outside any checkout.

One module, marked ``slow`` (it still runs with ``python -m pytest``): ``python -m build
--no-isolation`` makes the sdist and, from it, the wheel, once, from a clean copy of this
checkout (with the build backend of the test environment: an isolated build spent ~5 CPU-s
making a virtual environment for setuptools); the wheel is installed into a fresh virtual
environment in a temporary folder outside the repository, and every command runs there from
an empty folder — so nothing can come from the checkout. The virtual environment sits in
``.venv/`` of a user's repository whose ``conftest.py`` and pytest configuration would break
any run they reached. pip installs the wheel with ``--no-index``: the dependencies come from
a wheelhouse packed from the test environment's own installed distributions
(``_wheelhouse.py``), never from an index or the network; eprom-verify is not in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from _user_project import USER_CONFTEST, USER_OUTCOMES, USER_TESTS
from _wheelhouse import wheelhouse

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "eprom-verify"


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed."""

    root: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    def env(self) -> dict[str, str]:
        """The environment without anything pointing back at the checkout or its settings."""
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EPROM_", "PYTEST_", "PYTHON", "VIRTUAL_ENV", "HYPOTHESIS"))
        }
        return {**keep, "PATH": f"{self.bin}{os.pathsep}{keep.get('PATH', '')}", "CI": "true"}

    def run(
        self, *args: str, cwd: Path, timeout: float = 150, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=cwd,
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _check(result: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert result.returncode == code, (
        f"{' '.join(result.args)}: exit {result.returncode}, expected {code}\n"
        f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    assert REPO not in base.parents, f"{base} must be outside the repository"
    dist = base / "dist"
    source = _clean_copy(base / "source")
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)]
    _check(subprocess.run(build, capture_output=True, text=True, timeout=240))
    sdists = list(dist.glob("eprom_verify-*.tar.gz"))
    wheels = list(dist.glob("eprom_verify-*.whl"))  # built from the sdist by python -m build
    assert (len(sdists), len(wheels)) == (1, 1), f"expected an sdist and a wheel: {sdists + wheels}"
    wheelhouse(PACKAGE, base / "wheelhouse")
    _as_a_users_repository(base)
    target = Installed(base / ".venv", wheels[0])
    venv.create(target.root)  # pip comes from this environment (``pip --python``), not ensurepip
    _check(subprocess.run(_pip_install(target, wheels[0], base / "wheelhouse"),
                          cwd=base, env=_pip_env(), capture_output=True, text=True, timeout=300))  # fmt: skip
    return target


def _pip_install(target: Installed, wheel: Path, wheelhouse: Path) -> list[str]:
    """pip of the test environment installing into ``target``: the wheel, deps from the house.

    ``--no-compile``: the commands below compile what they import into the virtual
    environment's own ``__pycache__`` (compiling every dependency up front cost ~4 CPU-s).
    """
    python = str(target.bin / "python")
    return [sys.executable, "-m", "pip", "--python", python, "install", "-q",
            "--disable-pip-version-check", "--no-index", "--find-links", str(wheelhouse),
            "--no-compile", str(wheel)]  # fmt: skip


def _pip_env() -> dict[str, str]:
    """No pip configuration of the machine (indexes, find-links, constraints) takes part."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    return {**keep, "PIP_CONFIG_FILE": os.devnull}


def _clean_copy(target: Path) -> Path:
    """The working tree without what a build or a run left (a stale build/ would ship)."""
    left = shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "reports", "__pycache__", ".*_cache"
    )
    shutil.copytree(REPO, target, ignore=left)
    return target


def _as_a_users_repository(folder: Path) -> None:
    """The venv goes inside a repository whose pytest setup must not reach our suites."""
    (folder / ".git").mkdir()
    (folder / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--no-such-option"\n', encoding="utf-8"
    )
    (folder / "conftest.py").write_text(
        'raise RuntimeError("the repository\'s conftest.py reached the shipped suites")\n',
        encoding="utf-8",
    )


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """An empty repository of the user's (outside this one)."""
    (tmp_path / ".git").mkdir()
    return tmp_path


#: what the interpreter imports: the package, its fixtures and its suites
_WHERE = (
    "import eprom_verify, eprom_verify._paths as p; "
    "print(eprom_verify.__file__); print(p.fixtures_dir()); print(p.suites_dir())"
)


def _assert_comes_from(prefix: Path, python: str, cwd: Path, env: dict[str, str]) -> None:
    """``python`` imports eprom_verify, its fixtures and suites from inside ``prefix``."""
    result = subprocess.run([python, "-c", _WHERE], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    out = _check(result).splitlines()
    package = Path(out[0]).parent
    assert prefix in package.parents, f"eprom_verify imported from {package}, not from {prefix}"
    assert Path(out[1]) == package / "_fixtures", f"fixtures from {out[1]}, not from {package}"
    assert Path(out[2]) == package / "_suites", f"suites from {out[2]}, not from {package}"


def test_the_package_comes_from_the_wheel(installed: Installed, empty: Path) -> None:
    _assert_comes_from(installed.root, str(installed.bin / "python"), empty, installed.env())


def test_the_wheel_check_fails_for_the_checkout(installed: Installed, empty: Path) -> None:
    """The check above, with the checkout put before the wheel (``PYTHONPATH``): it must fail."""
    env = {**installed.env(), "PYTHONPATH": str(REPO)}
    with pytest.raises(AssertionError, match=r"^eprom_verify imported from .+, not from "):
        _assert_comes_from(installed.root, str(installed.bin / "python"), empty, env)


#: What the portal pictures of a run are made of, beside Chromium: the pages pictured (the
#: portal's templates), the code that reads and pictures them, and the report's part that
#: shows them. The run from the wheel below leaves the pictures out (``EPROM_PORTAL_PICTURES=0``:
#: Chromium's start and five screenshots were ~3.3 of its ~8.3 CPU-s); these files are shown
#: to be in the wheel, byte for byte, and the pictures themselves are taken from the checkout
#: by tests/run's passing shared run (``test_a_full_run_shows_the_portal_pictures``).
PICTURE_FILES = (
    "eprom_verify/simulator/portal_templates/*",
    "eprom_verify/simulator/portal.py",
    "eprom_verify/simulator/portal_capture.py",
    "eprom_verify/report/pdf.py",
    "eprom_verify/report/templates/*",
)


def _not_in_wheel(wheel: Path, patterns: tuple[str, ...]) -> list[str]:
    """Each checkout file matching ``patterns`` that the wheel lacks or holds otherwise."""
    files = sorted({path for pattern in patterns for path in REPO.glob(pattern)})
    assert files, f"no file of the checkout matches {patterns}"
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
        wrong = []
        for path in files:
            name = path.relative_to(REPO).as_posix()
            if name not in held:
                wrong.append(f"{name}: not in {wheel.name}")
            elif archive.read(name) != path.read_bytes():
                wrong.append(f"{name}: in {wheel.name}, but not the checkout's bytes")
    return wrong


def test_the_wheel_holds_what_the_portal_pictures_are_made_of(installed: Installed) -> None:
    assert _not_in_wheel(installed.wheel, PICTURE_FILES) == []


def test_the_picture_files_check_fails_for_a_wheel_without_a_template(
    installed: Installed, tmp_path: Path
) -> None:
    """The check above, on a copy of the wheel without the portal's inbox page: it must fail."""
    gone = "eprom_verify/simulator/portal_templates/inbox.html.j2"
    doctored = tmp_path / installed.wheel.name
    with zipfile.ZipFile(installed.wheel) as source, zipfile.ZipFile(doctored, "w") as copy:
        for item in source.infolist():
            if item.filename != gone:
                copy.writestr(item, source.read(item))
    assert _not_in_wheel(doctored, PICTURE_FILES) == [f"{gone}: not in {doctored.name}"]


def test_run_from_an_empty_folder(installed: Installed, empty: Path) -> None:
    """A whole run, every shipped suite, fixture and template read from the wheel; without
    the portal pictures (what they are made of: the two tests above)."""
    result = installed.run(
        "eprom-verify", "run", cwd=empty, timeout=240, env={"EPROM_PORTAL_PICTURES": "0"}
    )

    _check(result)
    reports = list((empty / "reports").glob("*-simulator/report.html"))
    assert len(reports) == 1, f"expected one report in {empty / 'reports'}: {result.stderr}"
    assert "report: reports/" in result.stdout + result.stderr


def test_init_then_run_uses_its_files(installed: Installed, empty: Path) -> None:
    _check(installed.run("eprom-verify", "init", "--ordering-system", "Min Journal", cwd=empty))
    assert (empty / "eprom-verify.toml").is_file()
    assert (empty / ".github/workflows/eprom-verify.yml").is_file()

    # the whole run is the test above; here one order is enough to show the file is used
    one_order = "test_order_reaches_eprom and verification-person-Basic"
    _check(installed.run("eprom-verify", "run", "--", "-k", one_order, cwd=empty, timeout=240))
    (report,) = (empty / "reports").glob("*-simulator/report.json")
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["run"]["ordering_system"] == "Min Journal"  # from eprom-verify.toml

    patients = empty / "eprom-verify" / "patients.yaml"
    patients.write_text("patients: [{name: 1}]\n", encoding="utf-8")
    broken = installed.run("eprom-verify", "run", cwd=empty)
    _check(broken, code=2)
    assert "eprom-verify/patients.yaml" in broken.stderr, broken.stderr


def test_checklist(installed: Installed, empty: Path) -> None:
    out = _check(installed.run("eprom-verify", "checklist", cwd=empty))

    assert "V1.1" in out
    assert "test_v1_order.py" in out


def test_a_users_pytest_project_with_eprom_simulator(installed: Installed, empty: Path) -> None:
    (empty / "conftest.py").write_text(USER_CONFTEST, encoding="utf-8")
    (empty / "test_ordering_system.py").write_text(USER_TESTS, encoding="utf-8")

    result = installed.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", cwd=empty
    )

    out = _check(result)
    assert f"{USER_OUTCOMES['passed']} passed" in out


def test_observe_the_example_system(installed: Installed, empty: Path) -> None:
    """``observe`` from the wheel judges a system outside the checkout (the example's copy)."""
    example = shutil.copytree(REPO / "examples" / "ordering_system", empty / "system")
    port, api_port = _free_ports(2)
    env = {
        "EPROM_API_KEY": "wheel-observe-key-6d1c9a2e",
        "EPROM_PROMS_API_BASE_URL": f"http://127.0.0.1:{api_port}/promswebapi",
        "EXAMPLE_DB": str(empty / "system.db"),
        "EXAMPLE_DOCUMENTS": str(empty / "documents"),
        "EXAMPLE_WAIT_SECONDS": "20",
    }
    python = str(installed.bin / "python")
    system = subprocess.Popen(  # noqa: S603
        [python, str(example / "ordering_system.py"), "serve", "--port", str(port)],
        cwd=empty, env={**installed.env(), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port)
        result = installed.run(
            "eprom-verify", "observe", "--system-callback-url", f"http://127.0.0.1:{port}",
            "--listen", f"127.0.0.1:{api_port}", "--api-key", env["EPROM_API_KEY"],
            "--drive", f"python {example / 'drive.py'}", "--report-dir", "reports",
            cwd=empty, env=env, timeout=240,
        )  # fmt: skip
    finally:
        system.terminate()
        system.wait(timeout=10)

    _check(result)
    (report,) = (empty / "reports").glob("*/report.json")
    rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
    assert not [r["id"] for r in rows if r["status"] == "failed"], rows
    assert {r["id"] for r in rows if r["status"] == "passed"} >= {"V1.1", "V1.2", "V1.4", "V3.2"}
    assert env["EPROM_API_KEY"] not in result.stdout + result.stderr


def _free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _wait_for(port: int, *, timeout_s: float = 10) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
