"""Fixtures for the report tests; the synthetic run lives in report_sample.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from report_sample import T0, Sample, record_sample

from eprom_verify.report import new_report_dir


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return record_sample(new_report_dir(tmp_path / "reports", "test", now=T0))


@pytest.fixture
def sample_factory(tmp_path: Path) -> Callable[..., Sample]:
    def make(**kwargs: str) -> Sample:
        env = kwargs.get("environment", "test")
        return record_sample(new_report_dir(tmp_path / "reports", env, now=T0), **kwargs)

    return make
