"""Every checkpoint the harness proves, with its wording: the one place ids are defined.

Hemit's mandatory points (V1.1 … S2, contract §7) keep Hemit's ids; the areas we add
have ids of our own (P1 patient-initiated, L letters, U SMS/e-mail, PV privacy settings,
R receiver conformance). The wording is ours, in bokmål and English, mapped to Hemit's
points by id. Each checkpoint says where it can be proven: automatically, by a person
(manual, with attestation), or not at all. What a person must see on Helsenorge (V2.x, S1)
is manual in the simulator too: the simulator shows what it stored, a person attests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AREAS",
    "CHECKPOINTS",
    "Area",
    "Checkpoint",
    "How",
    "checkpoint",
    "checkpoint_ids",
    "delivery_checkpoints",
    "placement_checkpoints",
]


class How(enum.StrEnum):
    """How a checkpoint is proven in an environment."""

    AUTO = "auto"
    MANUAL = "manual"
    NONE = "none"


@dataclass(frozen=True)
class Area:
    id: str
    nb: str
    en: str
    hemit: bool  # part of Hemit's mandatory list


@dataclass(frozen=True)
class Checkpoint:
    id: str
    area: str
    nb: str
    en: str
    contract: str  # section of eprom-contract.md
    simulator: How
    remote: How  # test and QA
    severity: str = "critical"
    hemit: bool = True

    def title(self, lang: str) -> str:
        return self.nb if lang == "nb" else self.en

    def how(self, env: str) -> How:
        return self.simulator if env == "simulator" else self.remote


AREAS: tuple[Area, ...] = (
    Area("V1", "Bestilling av skjema", "Ordering a form", hemit=True),
    Area("V2", "Utfylling av skjema", "Filling in the form", hemit=True),
    Area("V3", "Retur av svar", "Returning the answer", hemit=True),
    Area("S", "Spesialtilfeller", "Special cases", hemit=True),
    Area("P", "Pasientinitiert bestilling", "Patient-initiated orders", hemit=False),
    Area("L", "Brev til innbygger", "Letters to citizens", hemit=False),
    Area("U", "SMS og e-post", "SMS and e-mail", hemit=False),
    Area("PV", "Personverninnstillinger", "Privacy settings", hemit=False),
    Area("R", "Mottakstjenesten (callback)", "Callback receiver conformance", hemit=False),
    Area("LC", "Meldingenes rekkefølge", "Order of events", hemit=False),
)

_A, _M, _N = How.AUTO, How.MANUAL, How.NONE

CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint("V1.1", "V1", "Bestillingen når ePROM uten feilmelding",
               "The form order reaches ePROM without an error", "§3.1", _A, _A),
    Checkpoint("V1.2", "V1", "Statusmeldingen for bestillingen kommer fram",
               "The order status callback arrives", "§4.1", _A, _A),
    Checkpoint("V1.3", "V1", "Skjemaet går til forventet varslingskanal",
               "The form is ordered to the expected notification channel", "§6", _A, _A),
    Checkpoint("V1.4", "V1", "Ingen feil og ingen doble meldinger ved bestilling",
               "No errors and no duplicate messages when ordering", "§4.1", _A, _A),
    Checkpoint("V2.1", "V2", "Skjemaet vises og oppfører seg som forventet for testpersonen",
               "The form shows and behaves as expected for the test person", "§7", _M, _M),
    Checkpoint("V2.2", "V2", "Følgebrevet vises som forventet",
               "The cover letter shows as expected", "§7", _M, _M),
    Checkpoint("V2.3", "V2", "Metadata virker etter hensikten",
               "Metadata works as intended", "§3.1", _M, _M),
    Checkpoint("V2.4", "V2", "Skjemaoppgaven vises som forventet",
               "The form task shows as expected", "§7", _M, _M),
    Checkpoint("V2.5", "V2", "Kopi av utfylt skjema lagres / lagres ikke som bestilt",
               "A copy of the answered form is / is not stored as ordered", "§3.1", _M, _M),
    Checkpoint("V3.1", "V3", "Bestillersystemet mottar svaret",
               "The ordering system receives the answer", "§4.2", _A, _A),
    Checkpoint("V3.2", "V3", "Ingen feil og ingen doble meldinger ved retur",
               "No errors and no duplicate messages on return", "§4.2", _A, _A),
    Checkpoint("S1", "S", "På vegne av: vises i oppgave og skjema, utfyller får ingen kopi",
               "On behalf of: shown in task and form, the filler gets no copy", "§3.1", _M, _M),
    Checkpoint("S2", "S", "Signering: bestilles med signering, må signeres, signert dokument kan lastes ned",
               "Signing: ordered with signing, must be signed, the signed document downloads",
               "§3.5", _A, _M),
    Checkpoint("P1", "P", "Pasientinitiert svar kommer fram én gang med riktige verdier",
               "A patient-initiated answer arrives once with the right values", "§4.2", _A, _M,
               hemit=False),
    Checkpoint("L1", "L", "Brev sendes og statusmelding kommer fram én gang",
               "A letter is sent and its status callback arrives once", "§3.2 §4.3", _A, _A,
               hemit=False),
    Checkpoint("L2", "L", "Prioritetslisten for kanaler følges",
               "The channel priority list is followed", "§6", _A, _A, hemit=False),
    Checkpoint("L3", "L", "Brev uten hoveddokument eller over 30 MB avvises",
               "A letter without a main document or over 30 MB is refused", "§3.2", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("U1", "U", "SMS sendes, og manglende mottaker avvises",
               "An SMS is sent, and a missing recipient is refused", "§3.3", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("U2", "U", "E-post sendes, og manglende mottaker avvises",
               "An e-mail is sent, and a missing recipient is refused", "§3.4", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("PV1", "PV", "Personverninnstilling kan leses og settes",
               "A privacy setting can be read and set", "§3.6", _A, _A, severity="normal",
               hemit=False),
    Checkpoint("PV2", "PV", "Listen over innbyggere hentes side for side til slutt",
               "The list of residents is paged through to the end", "§3.6", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("PV3", "PV", "Endring av personverninnstilling meldes til bestillersystemet",
               "A privacy-setting change is reported to the ordering system", "§4.4", _A, _M,
               severity="normal", hemit=False),
    Checkpoint("LC1", "LC", "Meldingene kommer i dokumentert rekkefølge: bestilling → status → svar",
               "Callbacks follow the documented order: order → status → answer", "§4", _A, _A,
               hemit=False),
    Checkpoint("R1", "R", "Mottakstjenesten godtar alle gyldige meldinger",
               "The receiver accepts every valid callback", "§4", _A, _A, hemit=False),
    Checkpoint("R2", "R", "Mottakstjenesten avviser feil eller manglende API-nøkkel",
               "The receiver refuses a wrong or missing API key", "§2", _A, _A, hemit=False),
    Checkpoint("R3", "R", "Mottakstjenesten tåler at samme melding kommer to ganger",
               "The receiver survives redelivery of the same callback", "§4", _A, _A,
               hemit=False),
    Checkpoint("R4", "R", "Mottakstjenesten svarer aldri 5xx, heller ikke på ugyldige data",
               "The receiver never answers 5xx, not even to malformed data", "§4", _A, _A,
               hemit=False),
    Checkpoint("R5", "R", "Mottakstjenesten svarer innen tidsgrensen",
               "The receiver answers within the time limit", "§4", _A, _A, severity="normal",
               hemit=False),
)  # fmt: skip

_BY_ID = {c.id: c for c in CHECKPOINTS}


def checkpoint(checkpoint_id: str) -> Checkpoint:
    """The checkpoint with this id; a KeyError lists the known ids."""
    try:
        return _BY_ID[checkpoint_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise KeyError(f"unknown checkpoint {checkpoint_id!r}; known: {known}") from None


def checkpoint_ids() -> tuple[str, ...]:
    return tuple(_BY_ID)


#: what one placement serves: the checkpoints its exchanges and callbacks are credited to,
#: the first of them the one a refusal fails (the run-wide ledger's V1.1 / L1 rule)
_SERVED_BY_PLACEMENT: dict[str, tuple[str, ...]] = {
    "form_order": tuple(c.id for c in CHECKPOINTS if c.area == "V1"),
    "letter": ("L1", "L2"),
}


def placement_checkpoints(kind: Literal["form_order", "letter"]) -> tuple[Checkpoint, ...]:
    """The checkpoints one form order or letter serves; the first fails when it is refused.

    A batch of orders is credited to the ordering area (V1.1–V1.4), a batch of letters to
    L1–L2 (L3 places letters of its own, to be refused).
    """
    return tuple(_BY_ID[i] for i in _SERVED_BY_PLACEMENT[kind])


def delivery_checkpoints() -> tuple[Checkpoint, ...]:
    """The checkpoints whose attested 'yes' says a person delivered the form, in the order
    they are looked at: receiving the answer (V3.1, the one asked at the terminal when none
    was attested), then filling in the form (area V2)."""
    return (_BY_ID["V3.1"], *(c for c in CHECKPOINTS if c.area == "V2"))
