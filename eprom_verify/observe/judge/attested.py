"""What the system cannot show through the API: the checkpoints a tester attests."""

from __future__ import annotations

from eprom_verify.wording import Text

#: What the system cannot show through the API: stays "needs attestation" (``--attest``).
ATTESTED: dict[str, Text] = {
    "V2.1": Text(
        en="log in as the test person on Helsenorge and check that the form shows and works",
        nb="logg inn som testpersonen på Helsenorge og kontroller at skjemaet vises og virker",
    ),
    "V2.2": Text(
        en="check the cover letter on Helsenorge", nb="kontroller følgebrevet på Helsenorge"
    ),
    "V2.3": Text(
        en="check that the metadata the system sent is used as intended",
        nb="kontroller at metadataene bestillersystemet sendte, blir brukt som tiltenkt",
    ),
    "V2.4": Text(
        en="check the form task on Helsenorge", nb="kontroller skjemaoppgaven på Helsenorge"
    ),
    "V2.5": Text(
        en="check that a copy is (not) stored as dontStoreCompletedFormInPha says",
        nb="kontroller at en kopi (ikke) blir lagret slik dontStoreCompletedFormInPha sier",
    ),
    "S1": Text(
        en="check that the task and form show who the form is about, and the filler gets no copy",
        nb="kontroller at oppgaven og skjemaet viser hvem skjemaet gjelder, og at den som fyller "
        "det ut, ikke får en kopi",
    ),
}
