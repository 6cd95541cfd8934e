"""What a person does outside the simulator: instructions, waiting, attestations.

Mixed into :class:`~eprom_verify.harness.Harness`; kept apart because none of it runs in
the simulator. Instructions name test persons by masked ID and patients-file key only.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from ._exceptions import AttestationMissing, CheckFailure
from .contract import CallbackKind
from .listener import CallbackListener
from .settings import RunSettings
from .wording import Text

if TYPE_CHECKING:
    from .placed import PlacedOrder
    from .report.recorder import Recorder

__all__ = ["ManualSteps", "answered_no", "interactive"]


class ManualSteps:
    """What a person does outside the simulator: instructions, waiting, attestations.

    Mixed into :class:`Harness`; kept apart because none of it runs in the simulator.
    """

    settings: RunSettings
    recorder: Recorder | None
    listener: CallbackListener
    _stream: Any
    attestations: dict[str, Any]

    def say(self, text: str) -> None:
        if self._stream is not None:
            self._stream.write("\n" + text.rstrip() + "\n")
            self._stream.flush()

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
        listener = self.listener
        known = {r.ident for r in listener.received(CallbackKind.ANSWER)}
        deadline = time.monotonic() + self.settings.fill_timeout_s
        while time.monotonic() < deadline:
            for r in listener.received(CallbackKind.ANSWER):
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
        self._stream.write(prompt)
        line = self._stream.readline() if hasattr(self._stream, "readline") else ""
        if not line:
            raise EOFError
        return str(line).rstrip("\n")

    def attested_yes(self, checkpoint_ids: tuple[str, ...]) -> Any:
        """The first 'yes' attestation among ``checkpoint_ids``, else None."""
        for checkpoint_id in checkpoint_ids:
            given = self.attestations.get(checkpoint_id)
            if given is not None and given.answer == "yes":
                return given
        return None

    def delivery_attested(self, order_id: str) -> Any:
        """Whether a person attested delivering ``order_id`` (V3.1, or a V2 'yes').

        Asked at the terminal when nothing was attested and a person is there; returns the
        attestation, or None when nobody says the form was delivered.
        """
        given = self.attested_yes(("V3.1", "V2.1", "V2.2", "V2.3", "V2.4", "V2.5"))
        if given is not None or not interactive():
            return given
        from .checklist import checkpoint
        from .report.attest import ask_attestation

        question = Text(
            en=f"Did you deliver the form of order {order_id}?",
            nb=f"Sendte du inn skjemaet i bestilling {order_id}?",
        )
        stream = self._stream
        asked = ask_attestation(
            checkpoint("V3.1"),
            question.in_language(self.settings.lang),
            tester=self.settings.tester,
            input_fn=self._read_line,
            output=stream,
            lang=self.settings.lang,
        )
        if asked is not None:
            self.attestations["V3.1"] = asked
            if self.recorder is not None:
                self.recorder.add_attestation(asked)
        return asked if asked is not None and asked.answer == "yes" else None

    def require_attestation(self, checkpoint_id: str, question: str | Text) -> None:
        """Pass with a 'yes', fail with a 'no', else leave the row 'needs attestation'.

        ``question`` is asked at the terminal in the run's language (``--lang``); the row
        and a 'no' say it in each report language.
        """
        from .checklist import checkpoint

        given = self.attestations.get(checkpoint_id)
        if given is None and interactive():
            from .report.attest import ask_attestation

            stream = self._stream
            given = ask_attestation(
                checkpoint(checkpoint_id),
                Text.same(question).in_language(self.settings.lang),
                tester=self.settings.tester,
                input_fn=self._read_line,
                output=stream,
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
