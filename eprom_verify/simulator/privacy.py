"""Privacy settings — personverninnstillinger (contract §3.6, §4.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eprom_verify.config import PvkDefinition
from eprom_verify.contract import (
    CallbackKind,
    GetPersonvernInnstillingRequest,
    InstansEndret,
    PersonvernInnstillingCallback,
    PersonvernInnstillingResponse,
    PersonvernStatus,
    PersonvernType,
    PvkError,
    ResidentPersonvernInnstilling,
    ResidentsActivePiRequest,
    ResidentsActivePiResponse,
    SetPersonvernInnstillingRequest,
    SetPersonvernInnstillingResponse,
    VolvenStatus,
)
from eprom_verify.simulator import clock
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import RequestKind
from eprom_verify.simulator.store import PersonvernRow, SystemRow
from eprom_verify.simulator.views import PersonvernChangeRequest
from eprom_verify.simulator.wire import wire_dict

if TYPE_CHECKING:
    from eprom_verify.simulator.desk import EngineServices

__all__ = ["PVK_UNAVAILABLE", "PrivacyDesk"]

#: The privacy component's error a ``pvk_502`` fault answers with (fixtures/payloads/pvk_error.json).
PVK_UNAVAILABLE = PvkError(
    status_code=503,
    status="ServiceUnavailable",
    message="Personvernkomponenten (PVK) svarte ikke. Prøv igjen senere.",
)
_ACTIVE = {
    VolvenStatus.RES: True,
    VolvenStatus.IRES: False,
    VolvenStatus.SAM: True,
    VolvenStatus.ISAM: False,
}
_VOLVEN_TYPE = {
    VolvenStatus.RES: "Reservasjon",
    VolvenStatus.IRES: "Reservasjon",
    VolvenStatus.SAM: "Samtykke",
    VolvenStatus.ISAM: "Samtykke",
}


def _pvk_502(body: PvkError) -> Refusal:
    return Refusal(502, body.message or "", json_body=wire_dict(body))


class PrivacyDesk:
    """Check, set and list privacy settings; tell ordering systems when a citizen changes one."""

    def __init__(self, engine: EngineServices) -> None:
        self._engine = engine
        self._store = engine.store

    def get(self, request: GetPersonvernInnstillingRequest) -> dict[str, Any]:
        national_id = _national_id(request.national_id)
        if request.type is None:
            raise Refusal(400, "type is missing: send 0 (Reservasjon) or 1 (Samtykke)")
        definition = self._definition(request.pvk_id)
        row = self._store.personvern(national_id, definition.id)
        response = PersonvernInnstillingResponse(
            national_id=national_id,
            type=PersonvernType[definition.type],
            id=definition.id,
            name=definition.name,
            status=PersonvernStatus(row.status) if row else PersonvernStatus.IkkeAktiv,
            sequence_number=row.sequence_number if row else 0,
            created_date_time_offset=row.created_at if row else None,
            last_changed_date_time_offset=row.last_changed_at if row else None,
        )
        return wire_dict(response)

    def set(self, request: SetPersonvernInnstillingRequest) -> dict[str, Any]:
        national_id = _national_id(request.national_id)
        if request.type is None:
            raise Refusal(400, "type is missing: send 0 (Reservasjon) or 1 (Samtykke)")
        if request.status is None:
            raise Refusal(400, "status is missing: send 0 (IkkeAktiv) or 1 (Aktiv)")
        definition = self._definition(request.pvk_id)
        active = request.status is PersonvernStatus.Aktiv
        with self._store.transaction():
            changed = self._put(national_id, definition, active=active)
            if changed and self._engine.settings.report_own_privacy_changes:
                status = _volven(definition, active=active)
                self._tell(self._store.systems(), national_id, definition, status)
        endret = InstansEndret.Endret if changed else InstansEndret.IkkeEndret
        return wire_dict(SetPersonvernInnstillingResponse(instans_endret=endret))

    def residents(self, request: ResidentsActivePiRequest) -> dict[str, Any]:
        definition = self._definition(request.pvk_id)
        size = self._engine.settings.residents_page_size
        offset = max(request.paging_reference, 0)
        rows = self._store.active_personvern(definition.id, offset=offset, limit=size + 1)
        more = len(rows) > size
        response = ResidentsActivePiResponse(
            paging_reference=offset + size if more else 0,
            id=definition.id,
            name=definition.name,
            part_kode=definition.part_kode,
            type=PersonvernType[definition.type],
            personvern_innstillinger=[
                ResidentPersonvernInnstilling(
                    national_id=row.national_id,
                    sequence_number=row.sequence_number,
                    created_date_time_offset=row.created_at,
                    last_changed_date_time_offset=row.last_changed_at,
                )
                for row in rows[:size]
            ],
        )
        return wire_dict(response)

    def fault(self) -> None:
        """Answer 502 with the privacy component's error when a ``pvk_502`` fault fires."""
        if self._engine.faults.take_request(RequestKind.PRIVACY) is not None:
            raise _pvk_502(PVK_UNAVAILABLE)

    def citizen_changes(self, request: PersonvernChangeRequest) -> list[int]:
        """The citizen changes a setting on Helsenorge; each ordering system gets a callback."""
        definition = self._definition(request.pvk_id)
        expected = _VOLVEN_TYPE[request.status]
        if expected != definition.type:
            raise Refusal(
                400,
                f"status {request.status} is for a {expected}, but {definition.name!r} is a "
                f"{definition.type}: use {'RES or IRES' if definition.type == 'Reservasjon' else 'SAM or ISAM'}",
            )
        systems = (
            [self._engine.system_named(request.ordering_system)]
            if request.ordering_system
            else self._engine.store.systems()
        )
        with self._store.transaction():
            self._put(request.national_id, definition, active=_ACTIVE[request.status])
            return self._tell(systems, request.national_id, definition, request.status)

    def _tell(
        self,
        systems: list[SystemRow],
        national_id: str,
        definition: PvkDefinition,
        status: VolvenStatus,
    ) -> list[int]:
        """One privacy-setting callback to each of ``systems`` (in the caller's transaction)."""
        ids = []
        for system in systems:

            def build() -> PersonvernInnstillingCallback:
                return PersonvernInnstillingCallback(
                    national_id=national_id, id=definition.id, name=definition.name, status=status
                )

            ids.append(
                self._engine.enqueue(
                    CallbackKind.PRIVACY, subject_id=national_id, system=system.name, build=build
                )
            )
        return ids

    def _put(self, national_id: str, definition: PvkDefinition, *, active: bool) -> bool:
        row = self._store.personvern(national_id, definition.id)
        status = int(PersonvernStatus.Aktiv if active else PersonvernStatus.IkkeAktiv)
        if row is None and not active:
            return False
        if row is not None and row.status == status:
            return False
        stamp = clock.offset(clock.now())
        self._store.put_personvern(
            PersonvernRow(
                national_id=national_id,
                pvk_id=definition.id,
                status=status,
                sequence_number=(row.sequence_number if row else 0) + 1,
                created_at=row.created_at if row else stamp,
                last_changed_at=stamp,
            )
        )
        return True

    def _definition(self, pvk_id: str | None) -> PvkDefinition:
        if not pvk_id:
            raise Refusal(400, "pvkId is missing: send the GUID of the privacy-setting definition")
        definition = self._engine.pvk.get(pvk_id.lower())
        if definition is None:
            known = ", ".join(f"{d.id} ({d.name})" for d in self._engine.pvk.values())
            raise Refusal(
                400, f"pvkId '{pvk_id}' is not a known privacy-setting definition — known: {known}"
            )
        return definition


def _volven(definition: PvkDefinition, *, active: bool) -> VolvenStatus:
    """The Volven 7609 code a callback reports: RES/IRES for a Reservasjon, SAM/ISAM else."""
    if definition.type == "Reservasjon":
        return VolvenStatus.RES if active else VolvenStatus.IRES
    return VolvenStatus.SAM if active else VolvenStatus.ISAM


def _national_id(value: str | None) -> str:
    if value is None or len(value) != 11:
        got = "missing" if value is None else f"{len(value)} characters long"
        raise Refusal(400, f"nationalId must be given and be 11 characters long (it is {got})")
    return value
