"""What a person does outside the simulator: instructions, waiting, attestations.

One :class:`ManualSteps` per run, owned by the :class:`~eprom_verify.harness.Harness` and
built with what it needs: the few settings it reads (:class:`ManualSettings`), the callbacks
received, the terminal, the recorder and the attestations given so far. Kept apart because
none of it runs in the simulator. Instructions name test persons by masked ID and
patients-file key only.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast

from ._exceptions import AttestationMissing, CheckFailure
from .checklist import checkpoint, delivery_checkpoints
from .contract import CallbackKind
from .wording import Text

if TYPE_CHECKING:
    from .placed import PlacedOrder
    from .report.model import Attestation
    from .report.recorder import Recorder
    from .waiting import CallbackSource, Terminal

__all__ = ["ManualSettings", "ManualSteps", "answered_no", "interactive"]


class ManualSettings(Protocol):
    """The settings the manual steps read (a :class:`~eprom_verify.settings.RunSettings`)."""

    @property
    def env(self) -> str: ...
    @property
    def fill(self) -> str: ...
    @property
    def fill_timeout_s(self) -> float: ...
    @property
    def lang(self) -> str: ...
    @property
    def tester(self) -> str | None: ...


class ManualSteps:
    """What a person does outside the simulator: instructions, waiting, attestations.

    ``attestations`` (by checkpoint id) are the ones given so far, from ``--attest``; an
    answer at the terminal is added to them and to the recorder.
    """

    def __init__(
        self,
        *,
        settings: ManualSettings,
        callbacks: CallbackSource,
        stream: Terminal | None,
        recorder: Recorder | None = None,
        attestations: dict[str, Attestation] | None = None,
    ) -> None:
        self.settings = settings
        self.callbacks = callbacks
        self.stream = stream
        self.recorder = recorder
        self.attestations: dict[str, Attestation] = dict(attestations or {})

    def say(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write("\n" + text.rstrip() + "\n")
            self.stream.flush()

    def _login_hint(self) -> str:
        from .config import load_environments

        env = load_environments().get(self.settings.env)
        portal = env.helsenorge_url if env and env.helsenorge_url else "Helsenorge"
        return f"log in on {portal} (ID-porten: 'TestID på nivå høyt')"

    def instruct_fill(self, case: Any, placed: PlacedOrder, *, signing: bool = False) -> float:
        """Tell the tester what to do; returns how long to wait (0 with --fill skip)."""
        if self.settings.fill == "skip":
            return 0.0
        from .national_id import mask

        steps = "sign and deliver ('Signér og levere')" if signing else "fill it in and deliver"
        self.say(
            f"ACTION for the tester: {self._login_hint()} as the test person "
            f"{mask(case.patient.national_id)} (full number in the patients file, key "
            f"'{case.patient.key}'), open the task '{case.form.task_title}' "
            f"(order {placed.order_id}), {steps}. Waiting up to "
            f"{self.settings.fill_timeout_s:.0f} s (--fill-timeout)."
        )
        return self.settings.fill_timeout_s

    def instruct_fill_on_behalf(
        self, parent: Any, child: Any, form: Any, placed: PlacedOrder
    ) -> None:
        from .national_id import mask

        self.say(
            f"ACTION for the tester: {self._login_hint()} as {mask(parent.national_id)} "
            f"('{parent.key}'); the task '{form.task_title}' (order {placed.order_id}) is "
            f"filled in on behalf of {mask(child.national_id)} ('{child.key}'). Check that both "
            "the task and the form say so, deliver, and check that you got no copy."
        )

    def instruct_patient_initiated(self, case: Any) -> tuple[str | None, float]:
        """Outside the simulator: the tester starts the form from its public URL."""
        if self.settings.fill == "skip":
            return None, 0.0
        self.say(
            f"ACTION for the tester: open the public URL of '{case.form.name}' (form "
            f"{case.form.id}; the URL is under 'Avansert innstilling' → 'Offentlig url' in "
            f"ePROM's form builder), {self._login_hint()} as '{case.patient.key}', fill in and "
            f"deliver. Waiting up to {self.settings.fill_timeout_s:.0f} s."
        )
        callbacks = self.callbacks
        known = {r.ident for r in callbacks.received(CallbackKind.ANSWER)}
        deadline = time.monotonic() + self.settings.fill_timeout_s
        while time.monotonic() < deadline:
            for r in callbacks.received(CallbackKind.ANSWER):
                if (
                    r.ident not in known
                    and isinstance(r.data, dict)
                    and r.data.get("isPatientInitiated")
                ):
                    return r.ident, 1.0
            time.sleep(0.5)
        return None, 0.0

    def _read_line(self, prompt: str) -> str:
        """One answer from the person at the terminal (EOFError when input ends)."""
        if self.stream is None:
            raise EOFError
        self.stream.write(prompt)
        line = self.stream.readline() if hasattr(self.stream, "readline") else ""
        if not line:
            raise EOFError
        return str(line).rstrip("\n")

    def attested_yes(self, checkpoint_ids: tuple[str, ...]) -> Attestation | None:
        """The first 'yes' attestation among ``checkpoint_ids``, else None."""
        for checkpoint_id in checkpoint_ids:
            given = self.attestations.get(checkpoint_id)
            if given is not None and given.answer == "yes":
                return given
        return None

    def delivery_attested(self, order_id: str) -> Attestation | None:
        """Whether a person attested delivering ``order_id`` (V3.1, or a V2 'yes').

        Asked at the terminal when nothing was attested and a person is there; returns the
        attestation, or None when nobody says the form was delivered. Which checkpoints
        say so: :func:`~eprom_verify.checklist.delivery_checkpoints`.
        """
        says_delivered = delivery_checkpoints()
        given = self.attested_yes(tuple(c.id for c in says_delivered))
        if given is not None or not interactive():
            return given
        from .report.attest import ask_attestation

        asked_for = says_delivered[0]

        question = Text(
            en=f"Did you deliver the form of order {order_id}?",
            nb=f"Sendte du inn skjemaet i bestilling {order_id}?",
        )
        asked = ask_attestation(
            asked_for,
            question.in_language(self.settings.lang),
            tester=self.settings.tester,
            input_fn=self._read_line,
            output=cast(TextIO, self.stream),
            lang=self.settings.lang,
        )
        if asked is not None:
            self.attestations[asked_for.id] = asked
            if self.recorder is not None:
                self.recorder.add_attestation(asked)
        return asked if asked is not None and asked.answer == "yes" else None

    def require_attestation(self, checkpoint_id: str, question: str | Text) -> None:
        """Pass with a 'yes', fail with a 'no', else leave the row 'needs attestation'.

        ``question`` is asked at the terminal in the run's language (``--lang``); the row
        and a 'no' say it in each report language.
        """
        given = self.attestations.get(checkpoint_id)
        if given is None and interactive():
            from .report.attest import ask_attestation

            given = ask_attestation(
                checkpoint(checkpoint_id),
                Text.same(question).in_language(self.settings.lang),
                tester=self.settings.tester,
                input_fn=self._read_line,
                output=cast(TextIO, self.stream),
                lang=self.settings.lang,
            )
            if given is not None:
                self.attestations[checkpoint_id] = given
                if self.recorder is not None:
                    self.recorder.add_attestation(given)
        if given is None:
            raise AttestationMissing(checkpoint_id, question)
        if given.answer != "yes":
            raise answered_no(given.tester, question, given.comment)


def answered_no(tester: str, question: str | Text, comment: str | None) -> CheckFailure:
    """The failure when a tester answered 'no' (their comment as they wrote it)."""
    asked = Text.same(question)
    said = Text(en=f"{tester} answered no: {asked.en}", nb=f"{tester} svarte nei: {asked.nb}") + (
        f" — {comment}" if comment else ""
    )
    return CheckFailure(said, expected=Text(en="yes", nb="ja"), received=Text(en="no", nb="nei"))


def interactive() -> bool:
    """A person at a terminal (and not CI): questions may wait for an answer."""
    import os

    stdin = sys.__stdin__
    return bool(stdin and stdin.isatty()) and not os.environ.get("CI")
