"""Render ``report.json`` as HTML and Markdown through Jinja templates.

Data and presentation are apart, as in pytest-html: the templates in ``templates/`` are fed
a :class:`~eprom_verify.report.model.ReportData` and the UI strings of one language; no
HTML is built in Python. HTML is autoescaped; the Markdown template escapes table cells
with the ``md_cell`` filter and fences code with ``fence``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from pydantic import ValidationError

from eprom_verify._exceptions import UsageError
from eprom_verify._paths import writable_cache_dir
from eprom_verify.checklist import AREAS, CHECKPOINTS
from eprom_verify.report._io import TEMP_PREFIX, write_atomic
from eprom_verify.report.cover import eprom_ids, test_persons
from eprom_verify.report.i18n import LANGS, event_label, strings
from eprom_verify.report.model import SCHEMA_VERSION, Evidence, ReportData
from eprom_verify.report.seal import Reseal, read_log
from eprom_verify.report.views import (
    canonical_exchanges,
    env_label,
    evidence_rows,
    failures_first,
    kind_name,
    kind_proves,
    section_for,
    timeline_groups,
    url_bases,
    verdict,
)
from eprom_verify.wording import require_language

__all__ = [
    "HTML_NAME",
    "JSON_NAME",
    "MARKDOWN_NAME",
    "ReportError",
    "html_name",
    "failure_evidence_ids",
    "load_evidence",
    "load_report",
    "render_html",
    "render_markdown",
    "write_print_copy",
    "write_renderings",
]

JSON_NAME = "report.json"
HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
_TEMPLATES = Path(__file__).parent / "templates"
_MAX_INLINE_CHARS = 20_000  # evidence bodies longer than this are linked, not inlined
_FAILED = ("failed", "error")


class ReportError(UsageError):
    """A report folder or its ``report.json`` cannot be used; the message says why."""


def load_report(report_dir: Path) -> ReportData:
    """Read ``report_dir/report.json``; a :class:`ReportError` says what is wrong in one line."""
    path = report_dir / JSON_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: not found — is {report_dir} a report folder?") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    _check_schema_version(path, document)
    try:
        return ReportData.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReportError(
            f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s); "
            "was the file edited by hand?)"
        ) from None


def _check_schema_version(path: Path, document: Any) -> None:
    version = document.get("schema_version") if isinstance(document, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ReportError(
            f"{path}: schema_version is {version!r}, this eprom-verify reads "
            f"{SCHEMA_VERSION.split('.')[0]}.x — render it with the version that wrote it"
        )


def load_evidence(report_dir: Path, ids: Iterable[str]) -> dict[str, Evidence]:
    """The evidence records with these ids that exist and parse; the others are left out."""
    found: dict[str, Evidence] = {}
    for evidence_id in ids:
        path = report_dir / "evidence" / f"{evidence_id}.json"
        try:
            found[evidence_id] = Evidence.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            continue
    return found


def failure_evidence_ids(data: ReportData) -> list[str]:
    """The evidence the failure section shows inline."""
    return list(
        dict.fromkeys(e for c in data.checks if c.outcome in _FAILED for e in c.evidence_ids)
    )


def html_name(lang: str, *, chosen: str) -> str:
    """``report.html`` in the chosen language, ``report.<lang>.html`` for the others."""
    return HTML_NAME if lang == chosen else f"report.{lang}.html"


def render_html(
    data: ReportData,
    *,
    lang: str | None = None,
    evidence: Mapping[str, Evidence] | None = None,
    seals: list[Reseal] | None = None,
    for_print: bool = False,
    chosen: str | None = None,
    manifest_digest: str | None = None,
) -> str:
    """The HTML report (``chosen``: the language that is ``report.html``, for the links to
    the other languages; default ``lang``); ``for_print`` ``for_print`` makes the copy Chromium prints to PDF: appendices open,
    no links to files (a link in a PDF becomes an absolute ``file://`` path)."""
    return _render(
        "report.html.j2",
        data,
        lang=lang,
        evidence=evidence,
        seals=seals,
        for_print=for_print,
        chosen=chosen,
        manifest_digest=manifest_digest,
    )


def _elsewhere(data: ReportData) -> bool:
    """ePROM was not our simulator: its ids are worth listing for Hemit's logs."""
    run = data.run
    if run.environment == "receiver":
        return False
    return not run.simulated if run.simulated is not None else run.environment != "simulator"


def manifest_digest(report_dir: Path) -> str | None:
    """``sha256:…`` of the folder's ``MANIFEST.sha256`` as it is now, if there is one.

    The HTML cannot hold the digest of the manifest that lists it; the PDF, printed from
    a sealed folder, shows the digest of the manifest it was printed from.
    """
    import hashlib

    try:
        return "sha256:" + hashlib.sha256((report_dir / "MANIFEST.sha256").read_bytes()).hexdigest()
    except OSError:
        return None


def render_markdown(
    data: ReportData,
    *,
    lang: str | None = None,
    evidence: Mapping[str, Evidence] | None = None,
    seals: list[Reseal] | None = None,
) -> str:
    return _render("report.md.j2", data, lang=lang, evidence=evidence, seals=seals)


def write_renderings(report_dir: Path, data: ReportData, *, lang: str | None = None) -> list[Path]:
    """Write ``report.html`` (and the other languages beside it) and ``report.md``.

    ``report.html`` and ``report.md`` are in ``lang`` (default: the run's); every other
    language goes to ``report.<lang>.html``. Returns the paths written.
    """
    chosen = lang or data.run.lang
    evidence = load_evidence(report_dir, [e.id for e in data.evidence])
    seals = read_log(report_dir)
    (report_dir / f"report.{chosen}.html").unlink(missing_ok=True)  # it is report.html now
    written = []
    for other in (chosen, *(code for code in LANGS if code != chosen)):
        path = report_dir / html_name(other, chosen=chosen)
        write_atomic(
            path, render_html(data, lang=other, evidence=evidence, seals=seals, chosen=chosen)
        )
        written.append(path)
    path = report_dir / MARKDOWN_NAME
    write_atomic(path, render_markdown(data, lang=chosen, evidence=evidence, seals=seals))
    written.append(path)
    return written


def write_print_copy(report_dir: Path, data: ReportData, *, lang: str | None = None) -> Path:
    """The HTML Chromium prints to PDF, as a temp file the manifest never lists.

    Links to evidence files are left out of it: Chromium would turn them into absolute
    ``file://`` paths, which break once the PDF is sent and show where it was made.
    """
    evidence = load_evidence(report_dir, [e.id for e in data.evidence])
    html = render_html(
        data,
        lang=lang,
        evidence=evidence,
        seals=read_log(report_dir),
        for_print=True,
        manifest_digest=manifest_digest(report_dir),
    )
    path = report_dir / f"{TEMP_PREFIX}print.html"
    write_atomic(path, html)
    return path


def _render(
    template: str,
    data: ReportData,
    *,
    lang: str | None,
    evidence: Mapping[str, Evidence] | None,
    seals: list[Reseal] | None = None,
    for_print: bool = False,
    chosen: str | None = None,
    manifest_digest: str | None = None,
) -> str:
    lang = lang or data.run.lang
    chosen = chosen or lang
    t = strings(lang)
    titles = {cp.id: cp.title.in_language(lang) for cp in CHECKPOINTS}
    attached = {f.nodeid for row in data.rows for f in row.failures}
    page = _environment().get_template(template)
    sections = {row.id: section_for(row, data, t) for row in data.rows}
    bodies = evidence or {}
    run_id = data.run.run_id or data.run.started_at.strftime("%Y%m%dT%H%M%SZ")
    name = kind_name(data, lang, t)
    return page.render(
        kind=data.report_kind,
        kind_name=name,
        kind_proves=kind_proves(data, lang, t),
        env_label=env_label(data, t),
        run_id=run_id,
        manifest_digest=manifest_digest,
        pdf_header=f"{t['doc_title']} · {name} · {env_label(data, t)}",
        pdf_footer=f"{t['run_id']} {run_id} · {t['manifest_digest']} "
        + (manifest_digest or t["manifest_in_file"]),
        persons=test_persons(data.timelines),
        eprom_ids=eprom_ids(bodies.values(), data.timelines) if _elsewhere(data) else [],
        failures=failures_first(data, bodies),
        exchanges=canonical_exchanges(data, bodies),
        data=data,
        run=data.run,
        t=t,
        lang=lang,
        other_langs=[(c, html_name(c, chosen=chosen)) for c in LANGS if c != lang],
        for_print=for_print,
        verdict=verdict(data, lang),
        sections=sections,
        evidence_rows=evidence_rows(data),
        url_bases=url_bases(data.run),
        timeline_groups=timeline_groups(data),
        testers=list(dict.fromkeys(a.tester for a in data.attestations)),
        seals=seals or [],
        forced_seals=[s for s in seals or [] if s.forced],
        ran_rows=[r for r in data.rows if r.status != "not_run"],
        not_run_rows=[r for r in data.rows if r.status == "not_run"],
        title_of=lambda row: titles.get(row.id, row.title),
        checkpoint_title=lambda cid: titles.get(cid, cid),
        areas={a.id: a.title.in_language(lang) for a in AREAS},
        hemit_rows=[r for r in data.rows if r.hemit],
        extra_rows=[r for r in data.rows if not r.hemit],
        failed_rows=[r for r in data.rows if r.failures],
        other_failures=[
            c for c in data.checks if c.outcome in _FAILED and c.nodeid not in attached
        ],
        evidence=evidence or {},
        event_label=lambda event: event.texts.get(lang) or event_label(event.what, lang),
        max_inline=_MAX_INLINE_CHARS,
    )


def _template_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs in ``cache_dir("jinja")`` (issue 25).

    Compiling the report's templates takes longer than rendering them (0.3–0.7 s a run).
    Jinja keys each entry by the template's path and checks its source's checksum, so an
    edited template is compiled again; no cache where the folder cannot be written.
    """
    folder = writable_cache_dir("jinja")
    return jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        bytecode_cache=_template_cache(),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=require_language,  # {{ text }} with a bare Text must choose its language
    )
    env.filters.update(
        when=_when,
        when_ms=_when_ms,
        elapsed=_elapsed,
        pretty=_pretty,
        compact=_compact,
        md_cell=_md_cell,
        fence=_fence,
        duration=_duration,
        test_groups=_test_groups,
        when_time=_when_time,
        time_ms=_time_ms,
        fault=_fault,
        unique_cps=_unique_cps,
    )
    return env


def _test_groups(nodeids: Iterable[str]) -> list[tuple[str, int]]:
    """Node ids grouped by test function (parameters dropped), with how many ran."""
    groups: dict[str, int] = {}
    for nodeid in nodeids:
        base = nodeid.split("[", 1)[0]
        groups[base] = groups.get(base, 0) + 1
    return list(groups.items())


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _when_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def _time_ms(moment: datetime) -> str:
    """Time of day to the millisecond; the date is in the header and the column head."""
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _fault(fault: Mapping[str, Any]) -> str:
    """An injected fault as given: ``kind=duplicate_callback rate=1``."""
    return " ".join(f"{k}={v}" for k, v in fault.items()) or "{}"


def _unique_cps(ids: Iterable[str]) -> list[str]:
    order = {cp.id: n for n, cp in enumerate(CHECKPOINTS)}
    return sorted(set(ids), key=lambda cid: order.get(cid, len(order)))


def _when_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _elapsed(moment: datetime, start: datetime) -> str:
    seconds = (moment - start) / timedelta(seconds=1)
    if seconds < 1:
        return f"+{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"+{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"+{minutes} min {rest} s"


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _pretty(value: Any) -> str:
    """JSON pretty-printed; a string holding JSON (``formData``, a raw body) is expanded."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def _compact(value: Any, limit: int = 700) -> str:
    """JSON on as few lines as it takes, cut at ``limit`` characters (the PDF's appendix)."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[:limit] + " …"


_MD_SPECIAL = re.compile(r"([\\|`*\[\]<>])")


def _md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and markup escaped."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text) if text else "–"


def _fence(text: str, info: str = "") -> str:
    """``text`` in a code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"
