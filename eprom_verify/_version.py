"""The version of eprom-verify: this line is the one place it is written.

``pyproject.toml`` reads it at build time (``[tool.setuptools.dynamic]``); ``--version``,
the report and the CI templates of ``eprom-verify init`` read it from here.
"""

__version__ = "0.1.0"
