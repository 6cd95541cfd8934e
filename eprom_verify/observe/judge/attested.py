"""What the system cannot show through the API: the checkpoints a tester attests."""

from __future__ import annotations

from eprom_verify.checklist import attested_in_observe
from eprom_verify.wording import Text

#: What the system cannot show through the API: stays "needs attestation" (``--attest``).
ATTESTED: dict[str, Text] = attested_in_observe()
