"""``python -m eprom_verify.simulator``: the same as ``eprom-verify simulator``."""

from __future__ import annotations

import sys

from eprom_verify.cli.simulator import main

sys.exit(main())
