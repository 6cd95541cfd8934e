"""``eprom_simulator``: a faithful ePROM for the ordering system's own tests.

Installing eprom-verify registers this module as a pytest plugin (entry point
``eprom_verify_simulator``). It adds fixtures and nothing else: no option, no hook, and no
import beyond pytest until a test asks for ``eprom_simulator`` (then FastAPI and uvicorn
load and the simulator starts). The pytest-httpserver pattern::

    def test_order_reaches_the_patient(eprom_simulator, my_ordering_system):
        my_ordering_system.configure(eprom_simulator.base_url, eprom_simulator.api_key)
        order_id = my_ordering_system.order_form(national_id="26073941651")
        eprom_simulator.complete(order_id)                  # the patient answers
        eprom_simulator.wait_for_callbacks()                # every callback delivered

Fixtures:

``eprom_simulator_settings`` (session)
    The :class:`~eprom_verify.simulator.SimulatorSettings` the simulator starts with. Override
    it in a ``conftest.py`` to register your ordering system and its callback URL, your test
    persons and forms. The default: the persons and forms of your ``eprom-verify.toml``
    (else the shipped ones), one ordering system (named as in the file, else ``demo``) with
    a fresh key, callbacks to ``http://127.0.0.1:8766/callbacks``.
``eprom_simulator_server`` (session)
    The running simulator (:class:`~eprom_verify.simulator.RunningSimulator`), started on
    first use on 127.0.0.1 and a free port, stopped at the end of the session.
``eprom_simulator`` (function)
    An :class:`EpromSimulator` on that server, reset before the test (orders, letters,
    inboxes, outbox, faults; the registered ordering systems stay). When the test ends,
    anything that failed inside the simulator is raised in the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from eprom_verify.simulator import RunningSimulator, SimulatorSettings
    from eprom_verify.simulator.views import CallbackView, FaultView, InboxView, OrderView

__all__ = ["EpromSimulator", "default_simulator_settings"]


class EpromSimulator:
    """A running simulator, as a test of an ordering system uses it.

    Point the ordering system at :attr:`base_url` with :attr:`api_key`; play the patient with
    :meth:`complete`, :meth:`expire`, :meth:`paper_returned`, :meth:`digipost_delivered`,
    :meth:`start_form` and :meth:`change_privacy`; make ePROM misbehave with
    :meth:`inject_fault` (``sdp_error``, ``sent_status_error`` and the others); wait until every
    callback is delivered with :meth:`wait_for_callbacks`. :attr:`control` is the full
    control API (:class:`~eprom_verify.simulator.ControlClient`).
    """

    def __init__(self, running: RunningSimulator) -> None:
        self.running = running
        self.control = running.control

    def __repr__(self) -> str:
        return f"EpromSimulator({self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The ePROM API base URL (``promsApiBaseUrl``) your ordering system calls."""
        return self.running.base_url

    @property
    def api_key(self) -> str:
        """The API key of the first registered ordering system."""
        return self.running.api_key

    # --- the patient -------------------------------------------------------------------

    def complete(
        self, order_id: str, *, sign: bool = False, answers: dict[str, Any] | None = None
    ) -> OrderView:
        """The patient fills in and delivers form order ``order_id`` (answers made up if None)."""
        return self.control.complete(order_id, sign=sign, answers=answers)

    def expire(self, order_id: str) -> OrderView:
        """The form order's expiry date passes unanswered."""
        return self.control.expire(order_id)

    def paper_returned(self, order_id: str) -> OrderView:
        """The patient sends the paper form back."""
        return self.control.paper_returned(order_id)

    def digipost_delivered(self, order_id: str) -> OrderView:
        """A DigitalMailbox order is delivered to the digital mailbox (``DigipostDelivered``)."""
        return self.control.digipost_delivered(order_id)

    def start_form(self, form_id: str, national_id: str, *, sign: bool = False) -> OrderView:
        """The patient starts and delivers form ``form_id`` on Helsenorge (patient-initiated)."""
        return self.control.patient_initiated(form_id, national_id, sign=sign)

    def change_privacy(self, national_id: str, pvk_id: str, status: str) -> list[int]:
        """The citizen changes a privacy setting (status ``RES``, ``IRES``, ``SAM`` or ``ISAM``)."""
        return self.control.change_personvern(national_id, pvk_id, status)

    def inbox(self, national_id: str) -> InboxView:
        """What the citizen sees on Helsenorge: tasks, letters, messages."""
        return self.control.inbox(national_id)

    # --- faults and callbacks ----------------------------------------------------------

    def inject_fault(
        self,
        fault: str,
        *,
        callback: str = "any",
        times: int | None = 1,
        seconds: float | None = None,
        form_order_id: str | None = None,
    ) -> FaultView:
        """Make ePROM misbehave: ``duplicate``, ``drop``, ``delay``, ``forge_key``,
        ``wrong_channel``, ``enum_names``, ``sdp_error`` (status ``Error`` /
        ``SikkerDigitalPostError``), ``sent_status_error`` (a letter's ``sentStatus: Error``),
        ``helsenorge_502``, ``helsenorge_504``, ``pvk_502`` (see docs/simulator.md). A fault that does not exist is refused here, at once."""
        from pydantic import ValidationError

        from eprom_verify.simulator import Fault

        fields = {"type": fault, "callback": callback, "times": times, "seconds": seconds}
        try:
            Fault.model_validate({**fields, "form_order_id": form_order_id})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "fault"
            problem = first["msg"].removeprefix("Value error, ")
            raise ValueError(f"inject_fault({fault!r}): {where}: {problem}") from None
        return self.control.add_fault(
            fault, callback=callback, times=times, seconds=seconds, form_order_id=form_order_id
        )

    def clear_faults(self) -> int:
        """Remove every active fault; returns how many there were."""
        return self.control.clear_faults()

    def wait_for_callbacks(self, *, timeout: float = 10.0) -> None:
        """Return when every callback is delivered (acknowledged or given up); else raise."""
        self.control.wait_for_idle(timeout=timeout)

    def outbox(self, *, state: str | None = None) -> list[CallbackView]:
        """The callbacks ePROM has sent or will send, with their delivery attempts."""
        return self.control.outbox(state=state)


@pytest.fixture(scope="session")
def eprom_simulator_settings() -> SimulatorSettings:
    """The settings the session's simulator starts with; override it in your conftest.py.

    By default the persons, forms and ordering-system name of your ``eprom-verify.toml``
    (or ``EPROM_PATIENTS`` / ``EPROM_FORMS`` / ``EPROM_ORDERING_SYSTEM``), else the shipped
    ones and ``demo``; a fresh key; callbacks to ``http://127.0.0.1:8766/callbacks``.
    """
    return default_simulator_settings()


def default_simulator_settings() -> SimulatorSettings:
    """What :func:`eprom_simulator_settings` gives when not overridden."""
    from eprom_verify import config
    from eprom_verify._exceptions import EpromVerifyError
    from eprom_verify.config.settings import RunSettings
    from eprom_verify.simulator import OrderingSystem, SimulatorSettings

    try:
        run = RunSettings.resolve({})
        patients = config.load_patients(run.patients)
        forms = config.load_forms(run.forms)
    except EpromVerifyError as exc:
        raise pytest.UsageError(f"eprom_simulator: {exc}") from None
    demo = OrderingSystem.demo()
    system = OrderingSystem(
        name=run.ordering_system or demo.name,
        api_key=demo.api_key,
        callback_base_url=demo.callback_base_url,
    )
    return SimulatorSettings(
        ordering_systems=[system], patients=patients.patients, pvk=patients.pvk, forms=forms.forms
    )


@pytest.fixture(scope="session")
def eprom_simulator_server(
    eprom_simulator_settings: SimulatorSettings,
) -> Iterator[RunningSimulator]:
    """One in-process simulator for the session, on 127.0.0.1 and a free port."""
    from eprom_verify.simulator import run_in_thread

    with run_in_thread(eprom_simulator_settings) as running:
        yield running


@pytest.fixture
def eprom_simulator(eprom_simulator_server: RunningSimulator) -> Iterator[EpromSimulator]:
    """The session's simulator, reset for this test; its internal errors fail the test."""
    eprom_simulator_server.control.reset()
    yield EpromSimulator(eprom_simulator_server)
    eprom_simulator_server.check_errors()
