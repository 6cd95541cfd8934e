"""Render every kind of report in both languages into one folder, to diff before and after a
change to the report's wording (``python tests/report/render_languages.py OUT``).

A passing and a failing simulator run (the failing one with injected faults), the synthetic
Test-environment run (a failure, an attestation, rows not run), and a check-receiver run:
each as report.html (bokmål), report.en.html, report.md and the print copy, plus the
attestation prompt in both languages. Same code, same bytes: the clock and the folders are
fixed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from report_full import record_full, record_receiver  # noqa: E402
from report_sample import record_sample  # noqa: E402

from eprom_verify.checklist import CHECKPOINTS  # noqa: E402
from eprom_verify.report import load_report  # noqa: E402
from eprom_verify.report.attest import ask_attestation  # noqa: E402
from eprom_verify.report.render import render_markdown, write_print_copy  # noqa: E402

FAULTS = [{"kind": "duplicate_callback", "path": "/api/PromsFormOrder", "count": 1}]


def render_all(out: Path) -> list[Path]:
    """Write the renderings under ``out``; returns the files written."""
    runs = {
        "passing": lambda d: record_full(d),
        "failing": lambda d: record_full(d, failing=True, faults=FAULTS),
        "sample": lambda d: record_sample(d),
        "sample-en": lambda d: record_sample(d, lang="en"),
        "receiver": lambda d: record_receiver(d),
    }
    for name, record in runs.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=False)
        record(folder)
        data = load_report(folder)
        for lang in ("nb", "en"):
            (folder / f"report.{lang}.md").write_text(render_markdown(data, lang=lang))
            copy = write_print_copy(folder, data, lang=lang)
            copy.rename(folder / f"print.{lang}.html")
    for lang in ("nb", "en"):
        (out / f"attest.{lang}.txt").write_text(_attest(lang))
    return sorted(p for p in out.rglob("*") if p.is_file())


def _attest(lang: str) -> str:
    """The attestation prompt: a yes with a comment (after an empty name and a bad reply),
    then a skip."""
    said = io.StringIO()
    answers = iter(["", "Kari Nordmann", "kanskje", "j", "ok", "Ola", "h"])

    def reply(prompt: str) -> str:
        said.write(prompt)
        return next(answers)

    checkpoint = next(cp for cp in CHECKPOINTS if cp.id == "V2.1")
    for _ in range(2):
        ask_attestation(
            checkpoint, "Ser du skjemaet?", tester=None, lang=lang, input_fn=reply, output=said
        )
    return said.getvalue()


if __name__ == "__main__":
    for path in render_all(Path(sys.argv[1])):
        print(path)
