"""``eprom-verify init``: write into the user's repository what they keep and edit.

* ``eprom-verify.toml`` (or ``[tool.eprom-verify]`` in ``pyproject.toml`` with
  ``--pyproject``): the ordering system's name, the environment, the callback URL, the paths
  of the persons, forms and attestation files;
* ``eprom-verify/patients.yaml`` and ``eprom-verify/forms.yaml``: copies of the shipped
  fixtures to adapt; ``eprom-verify/attestation.yaml``: the manual steps' template;
* ``.github/workflows/eprom-verify.yml`` and ``.gitlab/eprom-verify.gitlab-ci.yml``: CI jobs
  that, on every push, run ``observe`` against the user's own system (started by ``--start``,
  driven by their ``--drive`` script, with the embedded simulator) and ``check-receiver``
  against its callback service, and — by hand — the go-live verification Hemit needs
  (``observe --upstream test|qa`` with the attestation file); each keeps its report folder
  as an artifact. eprom-verify is not on a public package index, so the jobs install
  ``--install`` (a git URL placeholder by default; a committed wheel works too).

Nothing is overwritten without ``--force``, and a ``--dir`` that is a file, lies under a
file or cannot be written in is refused (one line, exit 2, before anything is written).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from eprom_verify._exceptions import UsageError
from eprom_verify._paths import fixtures_dir
from eprom_verify._version import __version__
from eprom_verify.config.file import CONFIG_FILE_NAME
from eprom_verify.config.settings import check_report_dir

__all__ = ["InitOptions", "add_arguments", "planned_files", "run", "write_files"]

_TEMPLATES = Path(__file__).resolve().parent / "init_templates"
_TABLE_HEADER = "[tool.eprom-verify]"


@dataclass(frozen=True)
class InitOptions:
    """What ``init`` writes and where."""

    root: Path
    ordering_system: str
    env: str = "simulator"
    callback_url: str | None = None
    pyproject: bool = False
    force: bool = False
    install: str = ""
    system_callback_url: str = "http://127.0.0.1:8770"
    start: str = "./eprom-verify/start-system.sh"
    drive: str = "./eprom-verify/drive.sh"

    def __post_init__(self) -> None:
        if not self.install:
            object.__setattr__(self, "install", default_install())


def default_install() -> str:
    """The pip requirement the CI jobs install: a git URL to fill in (no public index)."""
    return f"eprom-verify @ git+https://git.example.org/your-org/eprom-verify.git@v{__version__}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=".", help="the repository to write into (default .)")
    parser.add_argument(
        "--ordering-system", help="the ordering system's name (default: the folder's name)"
    )
    parser.add_argument(
        "--env", choices=("simulator", "test", "qa"), default="simulator",
        help="the environment the CI job verifies against (default simulator)",
    )  # fmt: skip
    parser.add_argument(
        "--callback-url", help="the callback base URL (ApiBaseUrl) registered at Hemit"
    )
    parser.add_argument(
        "--pyproject", action="store_true",
        help="put the settings in pyproject.toml [tool.eprom-verify] instead of eprom-verify.toml",
    )  # fmt: skip
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument(
        "--install", metavar="REQUIREMENT",
        help="what the CI jobs pip-install: 'eprom-verify @ git+https://…@vX.Y.Z' or the path "
        "of a wheel you commit (default: a git URL placeholder to fill in)",
    )  # fmt: skip
    parser.add_argument(
        "--system-callback-url", metavar="URL", default=InitOptions.system_callback_url,
        help="where your callback service listens in CI (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--start", metavar="CMD", default=InitOptions.start,
        help="the command that starts your ordering system in CI (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--drive", metavar="CMD", default=InitOptions.drive,
        help="your script that makes the system perform observe's scenario "
        "(default %(default)s)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    options = InitOptions(
        root=root,
        ordering_system=args.ordering_system or root.resolve().name,
        env=args.env,
        callback_url=args.callback_url,
        pyproject=args.pyproject,
        force=args.force,
        install=args.install or "",
        system_callback_url=args.system_callback_url,
        start=args.start,
        drive=args.drive,
    )
    written = write_files(options)
    out = sys.stdout
    out.write(f"eprom-verify init: wrote {len(written)} files in {root}\n")
    for path in written:
        out.write(f"  {path.relative_to(root)}\n")
    out.write(
        "next: adapt eprom-verify/patients.yaml and forms.yaml, then run: eprom-verify run\n"
        f"CI: the jobs start your system with {options.start!r}, drive it with "
        f"{options.drive!r} and install {options.install!r} — fill those in "
        "(the install line: docs/hand-in.md)\n"
    )
    return 0


def planned_files(options: InitOptions) -> dict[Path, str]:
    """Every file ``init`` writes (the config file last) with its content."""
    if options.callback_url and urlsplit(options.callback_url).scheme not in ("http", "https"):
        raise UsageError(f"--callback-url {options.callback_url!r}: expected an http(s) URL")
    if urlsplit(options.system_callback_url).scheme not in ("http", "https"):
        raise UsageError(
            f"--system-callback-url {options.system_callback_url!r}: expected an http(s) URL"
        )
    for flag, value in (("--install", options.install), ("--start", options.start),
                        ("--drive", options.drive)):  # fmt: skip
        if '"' in value or "\n" in value:
            raise UsageError(f"{flag} {value!r}: no double quotes or newlines (it goes into YAML)")
    root = options.root
    fixtures = fixtures_dir()
    files = {
        root / "eprom-verify" / "patients.yaml": _read(fixtures / "patients.yaml"),
        root / "eprom-verify" / "forms.yaml": _read(fixtures / "forms.yaml"),
        root / "eprom-verify" / "attestation.yaml": _template("attestation.yaml", options),
        root / ".github" / "workflows" / "eprom-verify.yml": _template(
            "github-workflow.yml", options
        ),
        root / ".gitlab" / "eprom-verify.gitlab-ci.yml": _template("gitlab-ci.yml", options),
    }
    settings = _template("eprom-verify.toml", options)
    if options.pyproject:
        pyproject = root / "pyproject.toml"
        files[pyproject] = _with_table(pyproject, settings, force=options.force)
    else:
        files[root / CONFIG_FILE_NAME] = settings
    return files


def write_files(options: InitOptions) -> list[Path]:
    """Write the planned files; :class:`UsageError` before writing anything if one exists."""
    files = planned_files(options)
    if not options.force:
        for path in files:
            if path.exists() and path.name != "pyproject.toml":
                raise UsageError(f"{path} exists — pass --force to overwrite it (or remove it)")
    for folder in dict.fromkeys(path.parent for path in files):
        check_report_dir(folder, "--dir")  # a file in the way, a read-only folder: one line
    made: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            new = not path.exists()
            path.write_text(text, encoding="utf-8")
            if new:
                made.append(path)
    except OSError as exc:
        for path in made:  # nothing half-written: the files this run made go again
            path.unlink(missing_ok=True)
        raise UsageError(
            f"cannot write {exc.filename or options.root} ({exc.strerror}) — nothing was kept; "
            "choose a folder you can write to with --dir"
        ) from None
    return list(files)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None


def _template(name: str, options: InitOptions) -> str:
    callback = (
        f"callback-public-url = {_toml(options.callback_url)}"
        if options.callback_url
        else '# callback-public-url = "https://ordering-system.example/eprom"'
    )
    values = {
        "ordering_system_toml": _toml(options.ordering_system),
        "ordering_system": options.ordering_system,
        "env_toml": _toml(options.env),
        "callback_line": callback,
        "version": __version__,
        "install": options.install,
        "system_callback_url": options.system_callback_url,
        "start": options.start,
        "drive": options.drive,
    }
    text = _read(_TEMPLATES / name)
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _with_table(pyproject: Path, settings: str, *, force: bool) -> str:
    """``pyproject.toml`` with ``[tool.eprom-verify]`` appended (replaced with ``force``)."""
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    lines = text.splitlines()
    if _TABLE_HEADER in (line.strip() for line in lines):
        if not force:
            raise UsageError(
                f"{pyproject} has {_TABLE_HEADER} already — pass --force to replace it"
            )
        lines = _without_table(lines)
    kept = "\n".join(lines).rstrip("\n")
    return (kept + "\n\n" if kept else "") + f"{_TABLE_HEADER}\n{settings}"


def _without_table(lines: list[str]) -> list[str]:
    out: list[str] = []
    inside = False
    for line in lines:
        header = line.strip()
        if header.startswith("["):
            inside = header == _TABLE_HEADER or header.startswith("[tool.eprom-verify.")
        if not inside:
            out.append(line)
    return out
