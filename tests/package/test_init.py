"""``eprom-verify init``: the files written into the user's repository, and --force."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eprom_verify import __version__
from eprom_verify._paths import fixtures_dir
from eprom_verify.cli import main
from eprom_verify.config import load_forms, load_patients
from eprom_verify.config_file import find_config_file
from eprom_verify.report.attest import load_attestations
from eprom_verify.settings import RunSettings

WRITTEN = (
    "eprom-verify.toml",
    "eprom-verify/patients.yaml",
    "eprom-verify/forms.yaml",
    "eprom-verify/attestation.yaml",
    ".github/workflows/eprom-verify.yml",
    ".gitlab/eprom-verify.gitlab-ci.yml",
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_CONFIG", raising=False)
    return tmp_path


def init(*args: str) -> int:
    return main(["init", *args])


def test_writes_the_files_a_user_edits(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        init("--ordering-system", 'Min "Journal"', "--callback-url", "https://mj.example/eprom")
        == 0
    )

    for name in WRITTEN:
        assert (repo / name).is_file(), f"{name} was not written"
    out = capsys.readouterr().out
    assert out.startswith(f"eprom-verify init: wrote {len(WRITTEN)} files in .\n")
    settings = RunSettings.resolve({}, environ={})
    assert settings.ordering_system == 'Min "Journal"'
    assert settings.callback_public_url == "https://mj.example/eprom"
    assert settings.env == "simulator"
    assert settings.patients == (repo / "eprom-verify" / "patients.yaml").resolve()
    assert settings.forms == (repo / "eprom-verify" / "forms.yaml").resolve()
    assert settings.attest == (repo / "eprom-verify" / "attestation.yaml").resolve()


def test_the_copies_load_as_the_shipped_fixtures(repo: Path) -> None:
    init()

    copied = load_patients(repo / "eprom-verify" / "patients.yaml")
    assert copied == load_patients(fixtures_dir() / "patients.yaml")
    assert load_forms(repo / "eprom-verify" / "forms.yaml").forms
    assert load_attestations(repo / "eprom-verify" / "attestation.yaml") == []


def test_the_ordering_system_defaults_to_the_folder_name(repo: Path) -> None:
    init()

    assert RunSettings.resolve({}, environ={}).ordering_system == repo.name


GIT_INSTALL = "eprom-verify @ git+https://git.example.org/hospital/eprom-verify.git@v1.2.3"
MINE = ("--install", GIT_INSTALL, "--start", "python mj.py serve --port 8770",
        "--drive", "python mj.py drive")  # fmt: skip


def _run_lines(steps: list[dict]) -> list[str]:
    return [" ".join(str(s.get("run", "")).split()) for s in steps]


def test_the_github_workflow_observes_the_system_and_checks_its_receiver(repo: Path) -> None:
    init("--env", "qa", *MINE)

    text = (repo / ".github/workflows/eprom-verify.yml").read_text()
    workflow = yaml.safe_load(text)
    assert workflow["env"]["START"] == "python mj.py serve --port 8770"
    assert workflow["env"]["DRIVE"] == "python mj.py drive"
    assert workflow["env"]["SYSTEM_CALLBACK_URL"] == "http://127.0.0.1:8770"
    jobs = workflow["jobs"]
    assert set(jobs) == {"observe", "check-receiver", "go-live"}
    # every push: observe and check-receiver against the user's own system
    for name in ("observe", "check-receiver"):
        assert jobs[name]["if"] == "github.event_name != 'workflow_dispatch'"
        runs = _run_lines(jobs[name]["steps"])
        assert f'python -m pip install "{GIT_INSTALL}"' in runs
        assert any('nohup sh -c "$START"' in r for r in runs)
        keep = next(s for s in jobs[name]["steps"] if s.get("uses", "").startswith("actions/upl"))
        assert keep["if"] == "always()"
        assert keep["with"]["path"] == "reports/"
    assert (
        'eprom-verify observe --system-callback-url "$SYSTEM_CALLBACK_URL" '
        '--listen "$PROMS_API_LISTEN" --drive "$DRIVE" --report-dir reports'
    ) in _run_lines(jobs["observe"]["steps"])
    assert (
        'eprom-verify check-receiver --receiver-url "$SYSTEM_CALLBACK_URL" --report-dir '
        "reports --allure on"
    ) in _run_lines(jobs["check-receiver"]["steps"])
    published = [s["with"].get("path") for s in jobs["check-receiver"]["steps"] if "with" in s]
    assert "reports/*/allure-results/" in published
    # by hand: the go-live verification in Hemit's environment, with the attestations
    assert workflow[True]["workflow_dispatch"]["inputs"]["upstream"]["options"] == ["test", "qa"]
    assert jobs["go-live"]["if"] == "github.event_name == 'workflow_dispatch'"
    (go_live,) = [r for r in _run_lines(jobs["go-live"]["steps"]) if "observe" in r]
    assert go_live.startswith('eprom-verify observe --upstream "$UPSTREAM" --system-callback')
    assert "--attest eprom-verify/attestation.yaml" in go_live
    assert '--drive "$DRIVE"' in go_live
    assert jobs["go-live"]["env"]["EPROM_API_KEY"] == "${{ secrets.EPROM_API_KEY }}"
    assert jobs["observe"]["env"]["EPROM_API_KEY"] == "ci-only-key-for-the-simulator"
    assert "${{ secrets.EPROM_CALLBACK_PUBLIC_URL }}" in text
    assert "eprom-verify run" not in text  # the self-check proves nothing about the system
    assert RunSettings.resolve({}, environ={}).env == "qa"


def test_the_gitlab_jobs_observe_check_and_go_live_by_hand(repo: Path) -> None:
    init(*MINE)

    ci = yaml.safe_load((repo / ".gitlab/eprom-verify.gitlab-ci.yml").read_text())
    assert ci["variables"]["INSTALL"] == GIT_INSTALL
    assert ci[".eprom-verify"]["before_script"][0] == 'python -m pip install "$INSTALL"'
    assert ci["variables"]["DRIVE"] == "python mj.py drive"
    observe, receiver, go_live = (
        ci[f"eprom-verify-{name}"] for name in ("observe", "check-receiver", "go-live")
    )
    assert "when" not in observe
    assert "when" not in receiver
    assert go_live["when"] == "manual"
    assert go_live["variables"]["SYSTEM_KEY"] == "$EPROM_GO_LIVE_API_KEY"
    assert 'export EPROM_API_KEY="$SYSTEM_KEY"' in ci[".eprom-verify"]["before_script"]
    assert " ".join(observe["script"][0].split()).startswith(
        'eprom-verify observe --system-callback-url "$SYSTEM_CALLBACK_URL"'
    )
    assert receiver["script"][0].startswith("eprom-verify check-receiver")
    assert receiver["artifacts"]["reports"]["junit"] == "reports/*/junit.xml"
    assert '--upstream "$UPSTREAM"' in go_live["script"][0]
    assert "--attest eprom-verify/attestation.yaml" in go_live["script"][0]
    assert ci[".eprom-verify"]["artifacts"]["when"] == "always"
    assert ci[".eprom-verify"]["artifacts"]["paths"] == ["reports/"]


def test_the_install_line_defaults_to_a_git_url_to_fill_in(repo: Path, capsys) -> None:
    init()

    text = (repo / ".github/workflows/eprom-verify.yml").read_text()
    line = 'python -m pip install "eprom-verify @ git+https://git.example.org/your-org/'
    assert f'{line}eprom-verify.git@v{__version__}"' in text
    assert f"eprom_verify-{__version__}-py3-none-any.whl" in text  # the wheel, explained
    assert "fill those in" in capsys.readouterr().out


def test_a_wheel_path_is_an_install_line_too(repo: Path) -> None:
    wheel = f"./vendor/eprom_verify-{__version__}-py3-none-any.whl"
    init("--install", wheel)

    ci = yaml.safe_load((repo / ".gitlab/eprom-verify.gitlab-ci.yml").read_text())
    assert ci["variables"]["INSTALL"] == wheel


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--system-callback-url", "127.0.0.1:8770"), "--system-callback-url '127.0.0.1:8770': "
         "expected an http(s) URL"),
        (("--drive", 'sh -c "x"'), "--drive 'sh -c \"x\"': no double quotes or newlines"),
    ],
)  # fmt: skip
def test_bad_ci_values_are_one_line_and_nothing_written(
    repo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert init(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"eprom-verify: error: {message}")
    assert err.count("\n") == 1
    assert not (repo / "eprom-verify.toml").exists()


def test_refuses_to_overwrite_without_force(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init()
    patients = repo / "eprom-verify" / "patients.yaml"
    patients.write_text("# mine, adapted\n", encoding="utf-8")
    (repo / "eprom-verify.toml").unlink()  # nothing is written when one file exists
    capsys.readouterr()

    assert init() == 2

    err = capsys.readouterr().err
    assert err == (
        "eprom-verify: error: eprom-verify/patients.yaml exists "
        "— pass --force to overwrite it (or remove it)\n"
    )
    assert patients.read_text() == "# mine, adapted\n"
    assert not (repo / "eprom-verify.toml").exists()


def test_force_overwrites(repo: Path) -> None:
    init()
    (repo / "eprom-verify" / "patients.yaml").write_text("# mine\n", encoding="utf-8")

    assert init("--force") == 0

    assert (repo / "eprom-verify" / "patients.yaml").read_text() != "# mine\n"


def test_into_pyproject(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    pyproject.write_text('[project]\nname = "min-journal"\n', encoding="utf-8")

    assert init("--pyproject", "--ordering-system", "MJ") == 0

    assert not (repo / "eprom-verify.toml").exists()
    assert pyproject.read_text().startswith(
        '[project]\nname = "min-journal"\n\n[tool.eprom-verify]\n'
    )
    assert find_config_file() == pyproject
    assert RunSettings.resolve({}, environ={}).ordering_system == "MJ"


def test_into_pyproject_refuses_a_second_table_without_force(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init("--pyproject", "--ordering-system", "first")
    capsys.readouterr()

    assert init("--pyproject", "--force", "--ordering-system", "second") == 0
    assert init("--pyproject", "--ordering-system", "third") == 2

    text = (repo / "pyproject.toml").read_text()
    assert text.count("[tool.eprom-verify]") == 1
    assert RunSettings.resolve({}, environ={}).ordering_system == "second"
    assert capsys.readouterr().err.endswith(
        "pyproject.toml has [tool.eprom-verify] already — pass --force to replace it\n"
    )


def test_a_callback_url_that_is_not_http(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init("--callback-url", "mj.example/eprom") == 2

    assert capsys.readouterr().err == (
        "eprom-verify: error: --callback-url 'mj.example/eprom': expected an http(s) URL\n"
    )
    assert not (repo / "eprom-verify").exists()


def test_into_another_folder(tmp_path: Path) -> None:
    target = tmp_path / "their-repo"

    assert init("--dir", str(target)) == 0

    assert (target / "eprom-verify.toml").is_file()
    assert find_config_file(target, environ={}) == target / "eprom-verify.toml"


def _commands(repo: Path) -> list[tuple[str, str]]:
    """(file, command line) of every ``eprom-verify …`` line the CI files run."""
    github = yaml.safe_load((repo / ".github/workflows/eprom-verify.yml").read_text())
    gitlab = yaml.safe_load((repo / ".gitlab/eprom-verify.gitlab-ci.yml").read_text())
    lines = [("github", r) for job in github["jobs"].values() for r in _run_lines(job["steps"])]
    lines += [
        ("gitlab", " ".join(str(s).split()))
        for job in gitlab.values()
        if isinstance(job, dict)
        for s in job.get("script", [])
    ]
    return [(where, line) for where, line in lines if line.startswith("eprom-verify ")]


def test_no_ci_template_puts_the_key_or_an_old_spelling_on_a_command_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key goes in EPROM_API_KEY from the CI secret: a command line shows in ps and logs."""
    import shlex

    from eprom_verify.cli import build_parser

    templates = Path(__file__).parents[2] / "eprom_verify" / "init_templates"
    for template in sorted(templates.iterdir()):
        assert "--api-key" not in template.read_text(), f"{template.name} passes --api-key"
    init(*MINE)
    capsys.readouterr()
    commands = _commands(repo)
    assert len(commands) == 6, commands  # observe, check-receiver, go-live in each file
    for where, line in commands:
        argv = shlex.split(line)[1:]
        args, unknown = build_parser(argv[0]).parse_known_args(argv)
        assert unknown == [], f"{where}: {line}: unknown {unknown}"
        assert getattr(args, "api_key", None) is None, f"{where}: {line} passes the key"
        assert capsys.readouterr().err == "", f"{where}: {line} uses a deprecated spelling"
    github = yaml.safe_load((repo / ".github/workflows/eprom-verify.yml").read_text())
    for job in github["jobs"].values():  # every job gets the key from its environment
        assert job["env"]["EPROM_API_KEY"]
