"""ePROM's documented refusals: the status and the exact text of each (contract §3).

The one home of these texts for the tool: the simulator answers with them and the suites
expect them. (The simulator's own tests keep verbatim copies, as an independent check
that nobody changed a text here by mistake.) Texts with a blank are functions.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FORM_NOT_PUBLISHED",
    "HELSENORGE_TIMEOUT",
    "HELSENORGE_UNREACHABLE",
    "MAIN_DOCUMENT_MISSING",
    "METADATA_INVALID_PREFIX",
    "SIGNING_ON_BEHALF_OF",
    "SIGNING_WITH_NO_DISTRIBUTION",
    "DocumentedRefusal",
    "metadata_invalid",
    "national_id_kind_refused",
    "no_such_form",
    "not_paper_enabled",
    "recipient_missing",
    "unknown_api_key",
]


@dataclass(frozen=True)
class DocumentedRefusal:
    """A status and a text ePROM documents; ``prefix`` when the text ends in a detail."""

    status: int
    text: str
    prefix: bool = False

    def matches(self, status: int, text: str) -> bool:
        if status != self.status:
            return False
        return text.startswith(self.text) if self.prefix else text == self.text


# --- 3.1 formorder ---------------------------------------------------------------------
FORM_NOT_PUBLISHED = "The ordered form is not Published"
SIGNING_WITH_NO_DISTRIBUTION = (
    "The ordered form needs to be signed. This is not possible when using "
    "DistributionRule = 'NoDistribution'."
)
SIGNING_ON_BEHALF_OF = (
    "The ordered form needs to be signed. This is not possible when the form is "
    "ordered on behalf of someone."
)
METADATA_INVALID_PREFIX = "JSON in metadata is not valid: "


def no_such_form(form_id: str) -> str:
    return f"No form with id='{form_id}' exists"


def not_paper_enabled(form_id: str) -> str:
    return f"Form with id='{form_id}' is not paper enabled"


def metadata_invalid(parser_message: str) -> str:
    return METADATA_INVALID_PREFIX + parser_message


def national_id_kind_refused(kind_label: str, *, field: str = "nationalId") -> str:
    """``kind_label`` is ePROM's word for the kind: ``FH-nummer`` or ``H-nummer``."""
    return (
        f"{field}: {kind_label} is not supported as national ID. The national ID must be "
        "either Norsk fødselsnummer or D-nummer."
    )


# --- 3.2 messagetocitizen, 3.3/3.4 SMS and e-mail -------------------------------------
MAIN_DOCUMENT_MISSING = "Main document in MessageToCitizen is missing"
HELSENORGE_UNREACHABLE = "Unable to communicate with Helsenorge. No message sent."  # 502
HELSENORGE_TIMEOUT = "Timeout while waiting for response from Helsenorge"  # 504


def unknown_api_key(shown: str) -> str:
    """ePROM quotes the key it was given; the harness redacts it in everything it writes."""
    return f"apiKey '{shown}' doesn't exists"


def recipient_missing(address_field: str) -> str:
    """``address_field`` is ``phoneNumber`` (SMS) or ``emailAddress`` (e-mail)."""
    return f"Either nationalId or {address_field} must be specified"
