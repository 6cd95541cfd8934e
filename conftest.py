"""Shared by the harness's own tests (tests/) and the verification suites (suites/).

Hypothesis profiles: ``ci`` (derandomized, fixed seed, modest example counts) is loaded
when the ``CI`` environment variable is set; ``deep`` (many examples) otherwise, unless
``HYPOTHESIS_PROFILE`` names one. See eprom_verify.strategies.register_profiles.
"""

from __future__ import annotations

import os

from hypothesis import settings

pytest_plugins = ("pytester",)

try:
    from eprom_verify.strategies import register_profiles
except ImportError:  # the strategies module is optional while the tree is being built
    settings.register_profile("ci", derandomize=True, max_examples=30, deadline=None, database=None)
    settings.register_profile("deep", max_examples=300, deadline=None)
else:
    register_profiles()

settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "deep")
)
