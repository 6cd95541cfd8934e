"""The hypothesis profiles of the tool: ``ci`` (derandomized, modest) and ``deep``."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

__all__ = ["CI_PROFILE", "DEEP_PROFILE", "register_profiles"]

CI_PROFILE = "ci"
DEEP_PROFILE = "deep"


def register_profiles() -> None:
    """Define the ``ci`` and ``deep`` hypothesis profiles (loading one is the caller's choice)."""
    quiet = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]
    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        max_examples=25,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=quiet,
    )
    settings.register_profile(
        DEEP_PROFILE, max_examples=500, deadline=None, suppress_health_check=quiet
    )
