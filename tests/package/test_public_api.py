"""The curated public API: what a user and the shipped suites import, pinned.

The surface is the ``__all__`` of a few public modules (docs/architecture.md, "The public
API"). A change to it is a deliberate edit of :data:`SURFACE` here. The shipped suites
import only from it, the names resolve (lazy ones included), and the package root stays
cheap to import.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: public module -> its sorted ``__all__``
SURFACE: dict[str, list[str]] = {
    "eprom_verify": [
        "ApiError",
        "CHECKPOINTS_JUDGED",
        "CallbackListener",
        "CallbackTimeout",
        "CheckFailure",
        "EpromClient",
        "EpromVerifyError",
        "ListenerError",
        "NationalIdKind",
        "PlacedLetter",
        "PlacedOrder",
        "ReceivedCallback",
        "RunSettings",
        "Text",
        "UsageError",
        "__version__",
        "assert_accepted",
        "assert_contract",
        "assert_equal",
        "assert_exactly_one",
        "assert_our_key",
        "callback_json",
        "callback_name",
        "expect_refusal",
        "explain_channel",
        "fixtures_dir",
        "generate_national_id",
        "letter_label",
        "order_label",
    ],
    "eprom_verify.contract": [
        "ANSWER_STATUSES",
        "CallbackKind",
        "CallbackResponse",
        "DistributionRule",
        "Document",
        "DocumentCollection",
        "DocumentShape",
        "EmailRequest",
        "EpromModel",
        "EventType",
        "FilledOutBy",
        "FilledOutByActType",
        "FormAnswerCallback",
        "FormDataWarning",
        "FormOrderEvent",
        "FormOrderRequest",
        "FormOrderResponse",
        "FormOrderStatus",
        "FormOrderStatusCallback",
        "FormOrderStatusErrorCode",
        "GetPersonvernInnstillingRequest",
        "InstansEndret",
        "MAX_DOCUMENT_BYTES",
        "MessageInfo",
        "MessageToCitizenCallback",
        "MessageToCitizenRequest",
        "MessageToCitizenResponse",
        "NIL_GUID",
        "NotificationChannel",
        "PatientInitiatedValues",
        "PersonvernInnstillingCallback",
        "PersonvernInnstillingResponse",
        "PersonvernStatus",
        "PersonvernType",
        "PhysicalAddress",
        "PlainDocument",
        "PvkError",
        "ResidentPersonvernInnstilling",
        "ResidentsActivePiRequest",
        "ResidentsActivePiResponse",
        "SenderInfo",
        "SentStatus",
        "SetPersonvernInnstillingRequest",
        "SetPersonvernInnstillingResponse",
        "SmsRequest",
        "TimestampStyle",
        "UnsecureMessageResponse",
        "VolvenStatus",
        "Wire",
        "WireEnum",
        "WireForm",
        "format_timestamp",
        "parse_form_order_callback",
        "parse_timestamp",
    ],
    "eprom_verify.contract.refusals": [
        "DocumentedRefusal",
        "FORM_NOT_PUBLISHED",
        "HELSENORGE_TIMEOUT",
        "HELSENORGE_UNREACHABLE",
        "MAIN_DOCUMENT_MISSING",
        "METADATA_INVALID_PREFIX",
        "SIGNING_ON_BEHALF_OF",
        "SIGNING_WITH_NO_DISTRIBUTION",
        "metadata_invalid",
        "national_id_kind_refused",
        "no_such_form",
        "not_paper_enabled",
        "recipient_missing",
        "unknown_api_key",
    ],
    "eprom_verify.pytest": [
        "NeedsAttestation",
        "NotRun",
        "TerminalStream",
        "add_facts",
        "harness_of",
        "needs_attestation",
        "not_run",
        "recorder_of",
    ],
    "eprom_verify.receiver": [
        "ACKNOWLEDGED",
        "CallbackExchange",
        "Check",
        "CheckEvidence",
        "CheckFunction",
        "CheckProgress",
        "CheckRegistry",
        "ConformanceResult",
        "DOCUMENTED_CALLBACKS",
        "DocumentedCallback",
        "Exchanges",
        "ForgedKey",
        "KeyChoice",
        "LatencySummary",
        "MALFORMED_CORNERS",
        "MalformedCallback",
        "REGISTRY",
        "ReceiverCheckFailure",
        "ReceiverResponse",
        "ReceiverTarget",
        "check_evidence",
        "corner_callbacks",
        "documented_callbacks",
        "latency_by_endpoint",
        "malformed_callbacks",
        "run_checks",
    ],
    "eprom_verify.simulator": [
        "CallbackKind",
        "ControlClient",
        "Fault",
        "FaultBook",
        "FaultTarget",
        "FaultType",
        "OrderingSystem",
        "PortInUse",
        "Refusal",
        "RunningSimulator",
        "SimulatorError",
        "SimulatorSettings",
        "create_app",
        "generate_answers",
        "load_settings",
        "picture_of_portal",
        "run_in_thread",
    ],
}


#: what importing the package root must not load (the plugin imports it in every run)
HEAVY = ("httpx", "fastapi", "pydantic", "pytest_httpserver", "yaml", "hypothesis")


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_the_surface_is_pinned(module: str) -> None:
    exported = sorted(importlib.import_module(module).__all__)

    added = sorted(set(exported) - set(SURFACE[module]))
    removed = sorted(set(SURFACE[module]) - set(exported))
    assert exported == SURFACE[module], (
        f"the public surface of {module} changed (added {added}, removed {removed}): "
        "if deliberate, edit SURFACE in tests/package/test_public_api.py and the docs"
    )


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_every_public_name_resolves(module: str) -> None:
    loaded = importlib.import_module(module)
    missing = [name for name in loaded.__all__ if not hasattr(loaded, name)]

    assert not missing, f"{module}.__all__ names what it does not provide: {missing}"


def test_importing_the_package_root_loads_nothing_heavy() -> None:
    code = f"import sys, eprom_verify\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )

    assert run.stdout.strip() == "", (
        f"import eprom_verify loaded {run.stdout.strip()}: re-export it lazily (_LAZY)"
    )


def outside_the_surface(path: Path) -> list[str]:
    """Each import of eprom_verify in ``path`` that is not in :data:`SURFACE`, as a line."""
    exported_by: dict[str, list[str]] = {}
    for module, names in SURFACE.items():
        for name in names:
            exported_by.setdefault(name, []).append(module)
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            wrong = [
                a.name
                for a in node.names
                if a.name.split(".")[0] == "eprom_verify" and a.name not in SURFACE
            ]
            problems += [f"{path.name}:{node.lineno}: import {name}" for name in wrong]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            if module.split(".")[0] != "eprom_verify":
                continue
            for alias in node.names:
                public = module in SURFACE and (
                    alias.name in SURFACE[module] or f"{module}.{alias.name}" in SURFACE
                )
                if public:
                    continue
                instead = exported_by.get(alias.name)
                hint = f" (use: from {instead[0]} import {alias.name})" if instead else ""
                problems.append(
                    f"{path.name}:{node.lineno}: from {module} import {alias.name}{hint}"
                )
    return problems


def test_the_shipped_suites_import_only_the_public_api() -> None:
    problems = [
        line
        for path in sorted((REPO / "suites").glob("*.py"))
        for line in outside_the_surface(path)
    ]

    assert not problems, (
        "the shipped suites import outside the public API "
        "(tests/package/test_public_api.py SURFACE):\n" + "\n".join(problems)
    )


def test_a_deep_import_in_a_suite_is_named(tmp_path: Path) -> None:
    """The check can fail: deep and deferred imports are named, with the public spelling."""
    suite = tmp_path / "test_mine.py"
    suite.write_text(
        "from eprom_verify.run.ledger import callback_name\n"
        "from eprom_verify import Text\n"
        "from eprom_verify.contract import refusals\n"
        "def test_x():\n"
        "    import eprom_verify.run.harness\n"
        "    from eprom_verify.report.model import CheckResult\n"
    )

    assert outside_the_surface(suite) == [
        "test_mine.py:1: from eprom_verify.run.ledger import callback_name"
        " (use: from eprom_verify import callback_name)",
        "test_mine.py:5: import eprom_verify.run.harness",
        "test_mine.py:6: from eprom_verify.report.model import CheckResult",
    ]


def test_old_import_paths_keep_working() -> None:
    from eprom_verify import PlacedOrder, ReceivedCallback, callback_name
    from eprom_verify.run.harness import PlacedOrder as OldPlacedOrder
    from eprom_verify.run.ledger import callback_name as old_callback_name
    from eprom_verify.run.listener import ReceivedCallback as OldReceivedCallback

    assert (PlacedOrder, ReceivedCallback, callback_name) == (
        OldPlacedOrder,
        OldReceivedCallback,
        old_callback_name,
    )
