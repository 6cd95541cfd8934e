"""Generators take the published OpenAPI document unchanged, and what they make works.

``openapi-python-client`` generates a client and ``datamodel-code-generator`` pydantic
models from docs/eprom-openapi.json, with no project config; one order is placed through
each against the simulator, and its status callback arrives.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator

from .conftest import KEY, RAND12, VERIFY
from .receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "docs" / "eprom-openapi.json"
BIN = Path(sys.executable).parent
#: The one thing openapi-python-client cannot take without a project config: a PDF
#: answer (it knows JSON, octet-stream and text/*). It then leaves out that one response
#: type (the operation is still generated). Any other warning fails the test.
PDF_WARNING = "Unsupported content_type application/pdf"


def _run(tool: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, capture_output=True, text=True, timeout=180
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{tool} failed on docs/eprom-openapi.json:\n{output}"
    return output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    """(openapi-python-client's output, the imported client package)."""
    folder = tmp_path_factory.mktemp("generated")
    output = _run(
        "openapi-python-client",
        "generate",
        "--path",
        str(PUBLISHED),
        "--output-path",
        str(folder / "eprom_generated_client"),
        "--meta",
        "none",
        cwd=folder,
    )
    sys.path.insert(0, str(folder))
    try:
        yield output, importlib.import_module("eprom_generated_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.startswith("eprom_generated_client")]:
            del sys.modules[name]


def _warnings(output: str) -> list[str]:
    """Each warning block of openapi-python-client, but the PDF one."""
    blocks = output.split("\n\n")
    return [
        block
        for block in blocks
        if ("Unable" in block or "removal" in block or "Cannot" in block)
        and PDF_WARNING not in block
    ]


def test_openapi_python_client_keeps_every_schema(generated: tuple[str, ModuleType]) -> None:
    output, _ = generated
    assert _warnings(output) == [], "openapi-python-client dropped parts of the document"


def _expiry() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")


def test_the_generated_client_places_an_order(
    generated: tuple[str, ModuleType], sim: RunningSimulator, receiver: Receiver
) -> None:
    _, package = generated
    client_module = importlib.import_module("eprom_generated_client.client")
    operation = importlib.import_module(
        "eprom_generated_client.api.e_prom_api.form_order_promswebapi_api_v2_formorder_post"
    )
    models = importlib.import_module("eprom_generated_client.models")
    # the document's paths start at the server's root (/promswebapi/api/…)
    client = client_module.AuthenticatedClient(base_url=sim.root_url, token=KEY, prefix="Basic")
    request = models.FormOrderRequest(
        form_id=uuid.UUID(RAND12),
        national_id=VERIFY,
        expiry_date=_expiry(),
        distribution_rule=models.DistributionRuleName.BASIC,
    )
    with client:
        answer = operation.sync(client=client, body=request)
    assert isinstance(answer, models.FormOrderResponse), (
        f"the generated client parsed the answer to {answer!r}, not a FormOrderResponse"
    )
    assert answer.notification_channel == models.NotificationChannelName.HELSENORGE
    assert str(answer.form_id) == RAND12
    callback = receiver.wait_for(1)[0].body
    assert callback["formOrderId"] == str(answer.id)
    assert package is not None


@pytest.fixture(scope="module")
def datamodels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    folder = tmp_path_factory.mktemp("datamodels")
    _run(
        "datamodel-codegen",
        "--input",
        str(PUBLISHED),
        "--input-file-type",
        "openapi",
        "--output-model-type",
        "pydantic_v2.BaseModel",
        "--output",
        str(folder / "eprom_datamodels.py"),
        cwd=folder,
    )
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("eprom_datamodels")
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("eprom_datamodels", None)


def test_datamodel_code_generator_models_carry_an_order(
    datamodels: ModuleType, api: httpx.Client, receiver: Receiver
) -> None:
    request = datamodels.FormOrderRequest(
        formId=uuid.UUID(RAND12),
        nationalId=VERIFY,
        expiryDate=_expiry(),
        distributionRule=datamodels.DistributionRuleName.Basic,
    )
    body: dict[str, Any] = request.model_dump(mode="json", by_alias=True, exclude_unset=True)
    sent = api.post("/api/v2/formorder", json=body)
    assert sent.status_code == 200, sent.text
    answer = datamodels.FormOrderResponse.model_validate(sent.json())
    assert answer.notificationChannel == datamodels.NotificationChannelName.Helsenorge
    assert receiver.wait_for(1)[0].body["formOrderId"] == str(answer.id)
