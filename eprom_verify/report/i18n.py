"""Every word the report and the attestation prompt show: one :class:`Text` per label.

``LABELS`` holds each label once, its English and its bokmål side by side; ``strings(lang)``
is the report's view of them in one language (the templates read ``t["col_order"]``).
Numbers are filled in with :meth:`eprom_verify.wording.Text.counted` (``{n:one|many}``: the
one plural rule, in :mod:`eprom_verify.wording`). Checkpoint and area wording is not here: it
comes from :mod:`eprom_verify.checklist`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from eprom_verify.wording import Text

__all__ = ["EN", "LABELS", "LANGS", "NB", "event_label", "strings"]

LABELS: Final[Mapping[str, Text]] = MappingProxyType(
    {
        # the language's own code: a fact said in both languages ({"nb": …, "en": …}) is
        # shown in this one (views.value_text)
        "language": Text(en="en", nb="nb"),
        "fact_portal_pictures": Text(en="Pictures of the portal", nb="Bilder av portalen"),
        "report_kind": Text(en="Kind of evidence", nb="Type bevis"),
        "ordering_system_unnamed": Text(
            en="the ordering system (name not given)",
            nb="bestillersystemet (navn ikke oppgitt)",
        ),
        "organisation": Text(en="Organisation", nb="Organisasjon"),
        "system_version": Text(en="Version or commit", nb="Versjon eller commit"),
        "test_persons": Text(en="Test persons", nb="Testpersoner"),
        "verification_person": Text(
            en="Hemit's verification person", nb="Hemits verifikasjonsperson"
        ),
        "orders_n": Text(en="{n:order|orders}", nb="{n:bestilling|bestillinger}"),
        "tester": Text(en="Tester", nb="Tester"),
        "period": Text(en="Start–end", nb="Start–slutt"),
        "run_id": Text(en="Run", nb="Kjøring"),
        "manifest_digest": Text(en="Manifest (SHA-256)", nb="Manifest (SHA-256)"),
        "manifest_in_file": Text(
            en="see MANIFEST.sha256 in the report folder (sha256sum MANIFEST.sha256)",
            nb="se MANIFEST.sha256 i rapportmappen (sha256sum MANIFEST.sha256)",
        ),
        "eprom_ids_heading": Text(
            en="Ids ePROM gave out in this run",
            nb="ID-er ePROM ga ut i kjøringen",
        ),
        "eprom_ids_intro": Text(
            en=(
                "Every id ePROM created in this run, with its time and test person, so Hemit "
                "can look each one up in its own logs."
            ),
            nb=(
                "Hver id ePROM laget i denne kjøringen, med tid og testperson, så Hemit kan slå "
                "dem opp i sine egne logger."
            ),
        ),
        "col_id_field": Text(en="Field", nb="Felt"),
        "col_value": Text(en="Value", nb="Verdi"),
        "failures_first_heading": Text(en="What failed", nb="Dette feilet"),
        "failures_see_first": Text(
            en="The failures are explained under “What failed” above.",
            nb="Feilene er forklart under «Dette feilet» over.",
        ),
        "failures_more": Text(
            en="and {n} more in the section for {id}",
            nb="og {n} til i avsnittet for {id}",
        ),
        "reproduce": Text(en="Send the request again", nb="Send forespørselen på nytt"),
        "reproduce_note": Text(
            en=(
                "The key is read from $EPROM_API_KEY; the body is the evidence's, masked "
                "national IDs must be filled in."
            ),
            nb=(
                "Nøkkelen leses fra $EPROM_API_KEY; kroppen er som i beviset, maskerte "
                "fødselsnumre må fylles inn."
            ),
        ),
        "developer_heading": Text(
            en="For developers: tests, parameters and coverage",
            nb="For utviklere: tester, parametre og dekning",
        ),
        "developer_intro": Text(
            en="The test nodes and parameters behind each checkpoint; a reviewer does not need them.",
            nb="Testnodene og parametrene bak hvert kontrollpunkt; en kontrollør trenger dem ikke.",
        ),
        "exchange_heading": Text(
            en="Appendix: the canonical exchange per Hemit point",
            nb="Vedlegg: den kanoniske utvekslingen per Hemit-punkt",
        ),
        "exchange_intro": Text(
            en=(
                "For each of Hemit's points one order that shows it: the request → ePROM's "
                "answer → the status callback → the acknowledgement → the answer callback → the "
                "acknowledgement. All evidence is in report.html and in evidence/."
            ),
            nb=(
                "For hvert av Hemits punkter én bestilling som viser det: forespørselen → "
                "ePROMs svar → statusmeldingen → kvitteringen → svarmeldingen → kvitteringen. "
                "Alle bevis står i report.html og i evidence/."
            ),
        ),
        "exchange_none": Text(
            en="No evidence with content for this point.",
            nb="Ingen bevis med innhold for dette punktet.",
        ),
        "exchange_same": Text(
            en="The same order and exchange as {id} above.",
            nb="Samme bestilling og utveksling som {id} over.",
        ),
        "step_request": Text(en="Request", nb="Forespørsel"),
        "step_answer": Text(en="ePROM's answer", nb="ePROMs svar"),
        "step_status": Text(en="Status callback", nb="Statusmelding"),
        "step_answer_callback": Text(en="Answer callback", nb="Svarmelding"),
        "step_ack": Text(
            en="The ordering system's acknowledgement",
            nb="Kvittering fra bestillersystemet",
        ),
        "step_ack_listener": Text(
            en="acknowledged by eprom-verify's listener",
            nb="kvittert av eprom-verifys mottak",
        ),
        "step_evidence": Text(en="Evidence", nb="Bevis"),
        "status_error_expected": Text(en="expected: no channel", nb="forventet: ingen kanal"),
        "sum_expected_errors": Text(
            en="{n} with status Error as expected (the person has no channel for the rule)",
            nb="{n} med status Error som forventet (personen har ingen kanal for regelen)",
        ),
        "material_heading": Text(en="Material to attest against", nb="Materiale å attestere mot"),
        "attestation_needed": Text(
            en=(
                "A named person must see this on Helsenorge and attest; without an attestation "
                "the point is not passed."
            ),
            nb=(
                "En navngitt person må se dette på Helsenorge og attestere; uten attestasjon er "
                "punktet ikke bestått."
            ),
        ),
        "body_headers": Text(en="Headers", nb="Hoder"),
        "body_none": Text(en="no content", nb="uten innhold"),
        "body_in_file": Text(
            en="the content is in evidence/{id}.json",
            nb="innholdet står i evidence/{id}.json",
        ),
        "pdf_evidence_note": Text(
            en=(
                "The PDF shows one exchange per point; every request, answer and callback with "
                "its content is in report.html (the evidence list) and in evidence/."
            ),
            nb=(
                "PDF-en viser én utveksling per punkt; hver forespørsel, hvert svar og hvert "
                "tilbakekall med innhold står i report.html (bevislisten) og i evidence/."
            ),
        ),
        "rows_more": Text(en="… {n} more rows in report.html", nb="… {n} rader til i report.html"),
        "verdict_would": Text(
            en=(
                "{kind} — would pass: {hemit_passed} of {hemit_ran} Hemit points · {attest} "
                "need attestation · {failed} failed. This is not Hemit's verification."
            ),
            nb=(
                "{kind} — ville bestått: {hemit_passed} av {hemit_ran} Hemit-punkter · {attest} "
                "trenger attestasjon · {failed} feilet. Dette er ikke Hemits verifikasjon."
            ),
        ),
        "verdict_would_other": Text(
            en=(
                "{kind} — would pass: {passed} of {ran} checkpoints · {failed} failed. This is "
                "not Hemit's verification."
            ),
            nb=(
                "{kind} — ville bestått: {passed} av {ran} kontrollpunkt · {failed} feilet. "
                "Dette er ikke Hemits verifikasjon."
            ),
        ),
        "verdict_verified": Text(
            en=(
                "Verified: all of Hemit's {hemit} points passed, the manual ones attested by a "
                "named person."
            ),
            nb=(
                "Verifisert: alle Hemits {hemit} punkter er bestått, de manuelle attestert av "
                "en navngitt person."
            ),
        ),
        "doc_title": Text(en="ePROM verification report", nb="ePROM-verifikasjonsrapport"),
        "ordering_system": Text(en="Ordering system", nb="Bestillersystem"),
        "not_given": Text(en="not given", nb="ikke oppgitt"),
        "environment": Text(en="Environment", nb="Miljø"),
        "base_url": Text(en="ePROM address", nb="ePROM-adresse"),
        "callback_url": Text(en="Callback receiver", nb="Mottakstjeneste (callback)"),
        "started": Text(en="Started", nb="Startet"),
        "finished": Text(en="Finished", nb="Ferdig"),
        "harness_version": Text(en="eprom-verify version", nb="eprom-verify-versjon"),
        "api_key_fingerprint": Text(en="API key (fingerprint)", nb="API-nøkkel (fingeravtrykk)"),
        "no_api_key": Text(en="no key used", nb="ingen nøkkel brukt"),
        "hypothesis_profile": Text(en="Hypothesis profile", nb="Hypothesis-profil"),
        "command": Text(en="Command", nb="Kommando"),
        "national_ids": Text(en="National IDs", nb="Fødselsnumre"),
        "national_ids_masked": Text(
            en="masked (first six digits shown)",
            nb="maskert (de seks første sifrene vises)",
        ),
        "national_ids_shown": Text(en="shown in full", nb="vises i klartekst"),
        "contents": Text(en="Contents", nb="Innhold"),
        "summary_heading": Text(en="Summary", nb="Sammendrag"),
        "summary_rows": Text(en="checkpoints", nb="kontrollpunkter"),
        "status_passed": Text(en="passed", nb="bestått"),
        "status_failed": Text(en="failed", nb="feilet"),
        "status_needs_attestation": Text(en="needs attestation", nb="krever attestasjon"),
        "status_not_run": Text(en="not run", nb="ikke kjørt"),
        "banner_interrupted": Text(
            en=(
                "The run was interrupted before every check finished. Checkpoints that did not "
                "get to run show as “not run”."
            ),
            nb=(
                "Kjøringen ble avbrutt før alle kontrollene var ferdige. Kontrollpunkt som ikke "
                "rakk å kjøre, står som «ikke kjørt»."
            ),
        ),
        "banner_simulator": Text(
            en=(
                "Run against the local ePROM simulator. The report shows the integration "
                "follows the documentation; it does not replace Hemit's verification in the "
                "test environment."
            ),
            nb=(
                "Kjørt mot den lokale ePROM-simulatoren. Rapporten viser at integrasjonen "
                "følger dokumentasjonen, men erstatter ikke Hemits verifikasjon i testmiljøet."
            ),
        ),
        "banner_ids_shown": Text(
            en=(
                "National IDs are shown in full in this report. Share it only with people who "
                "need it for their work."
            ),
            nb=(
                "Fødselsnumre står i klartekst i denne rapporten. Del den bare med dem som har "
                "tjenstlig behov."
            ),
        ),
        "hemit_heading": Text(
            en="Hemit's verification checklist",
            nb="Hemits sjekkliste for verifikasjon",
        ),
        "hemit_intro": Text(
            en="The points Hemit requires shown in the test environment for every new integration.",
            nb="Punktene Hemit krever vist i testmiljøet for alle nye integrasjoner.",
        ),
        "extra_heading": Text(en="Further checks", nb="Øvrige kontroller"),
        "extra_intro": Text(
            en=(
                "The same rigour for patient-initiated answers, letters, SMS and e-mail, "
                "privacy settings and the callback receiver."
            ),
            nb=(
                "Samme grundighet for pasientinitierte svar, brev, SMS og e-post, "
                "personverninnstillinger og mottakstjenesten."
            ),
        ),
        "col_id": Text(en="ID", nb="ID"),
        "col_checkpoint": Text(en="Checkpoint", nb="Kontrollpunkt"),
        "col_status": Text(en="Status", nb="Status"),
        "col_tests": Text(en="Tests", nb="Tester"),
        "col_evidence": Text(en="Evidence", nb="Bevis"),
        "col_attestation": Text(en="Attestation", nb="Attestasjon"),
        "col_order": Text(en="Order", nb="Bestilling"),
        "col_kind": Text(en="Kind", nb="Type"),
        "col_patient": Text(en="Patient", nb="Pasient"),
        "col_time": Text(en="Time (UTC)", nb="Tid (UTC)"),
        "col_event": Text(en="Event", nb="Hendelse"),
        "col_elapsed": Text(en="After first event", nb="Etter første hendelse"),
        "col_tester": Text(en="Tested by", nb="Testet av"),
        "col_answer": Text(en="Answer", nb="Svar"),
        "col_comment": Text(en="Comment", nb="Kommentar"),
        "col_source": Text(en="Source", nb="Kilde"),
        "col_simulator": Text(en="Simulator", nb="Simulator"),
        "col_remote": Text(en="Test and QA", nb="Test og QA"),
        "col_request": Text(en="Call", nb="Kall"),
        "col_http_status": Text(en="HTTP status", nb="HTTP-status"),
        "col_title": Text(en="Description", nb="Beskrivelse"),
        "none": Text(en="–", nb="–"),
        "latency_heading": Text(
            en="Callback receiver response time",
            nb="Svartid for mottakstjenesten",
        ),
        "latency_p50": Text(en="median (p50)", nb="median (p50)"),
        "latency_p95": Text(en="95th percentile (p95)", nb="95-persentil (p95)"),
        "latency_count": Text(en="calls", nb="antall kall"),
        "failures_heading": Text(en="Failures in detail", nb="Feil i detalj"),
        "failures_none": Text(en="No check failed.", nb="Ingen kontroller feilet."),
        "failures_other": Text(
            en="Other failures (no checkpoint)",
            nb="Andre feil (uten kontrollpunkt)",
        ),
        "outcome_failed": Text(en="failed", nb="feilet"),
        "outcome_error": Text(en="crashed", nb="krasjet"),
        "message": Text(en="Message", nb="Melding"),
        "expected": Text(en="Expected", nb="Forventet"),
        "received": Text(en="Received", nb="Mottatt"),
        "parameters": Text(en="Parameters", nb="Parametre"),
        "duration": Text(en="Duration", nb="Varighet"),
        "evidence_body": Text(en="Evidence content", nb="Innhold i bevis"),
        "timelines_heading": Text(en="Timeline per order", nb="Tidslinje per bestilling"),
        "timelines_none": Text(
            en="No orders were recorded.", nb="Ingen bestillinger ble registrert."
        ),
        "timeline_form_order": Text(en="form order", nb="skjemabestilling"),
        "timeline_letter": Text(en="letter", nb="brev"),
        "timeline_patient_initiated": Text(en="patient-initiated", nb="pasientinitiert"),
        "event_order_sent": Text(en="order sent", nb="bestilling sendt"),
        "event_order_answered": Text(
            en="ePROM answered the order", nb="ePROM svarte på bestillingen"
        ),
        "event_status_callback": Text(en="status callback received", nb="statusmelding mottatt"),
        "event_patient_answered": Text(en="patient answered", nb="pasienten svarte"),
        "event_answer_callback": Text(en="answer callback received", nb="skjemasvar mottatt"),
        "event_letter_sent": Text(en="letter sent", nb="brev sendt"),
        "event_letter_status_callback": Text(en="letter status received", nb="brevstatus mottatt"),
        "event_privacy-setting_callback": Text(
            en="privacy-setting callback received",
            nb="melding om personverninnstilling mottatt",
        ),
        "event_unreadable_callback": Text(
            en="unreadable callback received",
            nb="uleselig tilbakekall mottatt",
        ),
        "attestations_heading": Text(en="Attestations", nb="Attestasjoner"),
        "attestations_none": Text(en="No attestations.", nb="Ingen attestasjoner."),
        "attestation_by": Text(en="attested by", nb="attestert av"),
        "answer_yes": Text(en="yes", nb="ja"),
        "answer_no": Text(en="no", nb="nei"),
        "source_interactive": Text(en="interactive", nb="interaktivt"),
        "source_file": Text(en="from file", nb="fra fil"),
        "coverage_heading": Text(en="Coverage", nb="Dekning"),
        "coverage_intro": Text(
            en=(
                "How each checkpoint can be shown in each environment, and the tests that "
                "showed it in this run."
            ),
            nb=(
                "Hvordan hvert kontrollpunkt kan vises i hvert miljø, og testene som viste det "
                "i denne kjøringen."
            ),
        ),
        "how_auto": Text(en="automatic", nb="automatisk"),
        "how_manual": Text(en="manual, with attestation", nb="manuelt, med attestasjon"),
        "how_none": Text(en="cannot be shown", nb="kan ikke vises"),
        "evidence_heading": Text(en="Evidence list", nb="Bevisliste"),
        "evidence_none": Text(en="No evidence was recorded.", nb="Ingen bevis ble registrert."),
        "kind_request": Text(en="request", nb="forespørsel"),
        "kind_response": Text(en="response", nb="svar"),
        "kind_callback": Text(en="callback", nb="tilbakekall"),
        "kind_control": Text(en="control", nb="kontroll"),
        "kind_note": Text(en="note", nb="notat"),
        "footer_integrity": Text(
            en=(
                "Whether a file changed after sealing, this page cannot show: check the folder "
                "with “eprom-verify report DIR --verify” or “sha256sum -c MANIFEST.sha256” in "
                "the report folder (see Seal)."
            ),
            nb=(
                "Om en fil er endret etter forseglingen, kan ikke denne siden vise: kontroller "
                "mappen med «eprom-verify report MAPPE --verify» eller «sha256sum -c "
                "MANIFEST.sha256» i rapportmappen (se Forsegling)."
            ),
        ),
        "footer_generated": Text(en="Made by eprom-verify", nb="Laget av eprom-verify"),
        "footer_schema": Text(en="report schema", nb="rapportskjema"),
        "col_asserted": Text(en="What was checked", nb="Hva ble kontrollert"),
        "col_details": Text(en="details", nb="detaljer"),
        "outcome_warning": Text(en="warning", nb="advarsel"),
        "failing_payload": Text(en="Failing payload", nb="Melding som feilet"),
        "col_endpoint": Text(en="Endpoint", nb="Endepunkt"),
        "matrix_legend": Text(
            en=(
                "Each cell: the channel ePROM chose; red “received ≠ expected” where it did not "
                "match the channel rules."
            ),
            nb=(
                "Hver celle: kanalen ePROM valgte; rødt «mottatt ≠ forventet» der den ikke "
                "stemte med kanalreglene."
            ),
        ),
        "lang_nb": Text(en="Norsk (bokmål)", nb="Norsk (bokmål)"),
        "lang_en": Text(en="English", nb="English"),
        "receiver_under_test": Text(
            en="Callback service under test", nb="Mottakstjeneste som testes"
        ),
        "env_simulator": Text(en="simulator (embedded)", nb="simulator (innebygd)"),
        "env_test": Text(en="Hemit's test environment", nb="Hemits testmiljø"),
        "env_qa": Text(en="Hemit's QA environment", nb="Hemits QA-miljø"),
        "env_receiver": Text(en="callback service", nb="mottakstjeneste"),
        "simulator_key": Text(en="the simulator's own key", nb="simulatorens egen nøkkel"),
        "key_not_recorded": Text(en="not recorded", nb="ikke registrert"),
        "date": Text(en="Date", nb="Dato"),
        "attested_by": Text(en="Attested by", nb="Attestert av"),
        "nobody": Text(en="nobody", nb="ingen"),
        "checkpoints_heading": Text(
            en="What each checkpoint showed",
            nb="Hva hvert kontrollpunkt viste",
        ),
        "checkpoints_intro": Text(
            en=(
                "Per checkpoint: what was compared, as a table. The raw data is in the appendix "
                "at the end."
            ),
            nb=(
                "Per kontrollpunkt: hva som ble sammenlignet, som tabell. Rådata står i "
                "vedlegget bakerst."
            ),
        ),
        "banner_faults": Text(
            en="Faults were injected into the simulator on purpose — this is not a verification:",
            nb="Feil ble lagt inn i simulatoren med vilje — dette er ikke en verifikasjon:",
        ),
        "banner_resealed": Text(
            en="The folder was re-sealed after changes:",
            nb="Mappen ble forseglet på nytt etter endringer:",
        ),
        "resealed_by": Text(en="by", nb="av"),
        "previous_manifest": Text(en="previous manifest", nb="forrige manifest"),
        "seals_heading": Text(en="Seal", nb="Forsegling"),
        "seals_none": Text(
            en="Sealed by eprom-verify when the run finished, and not re-sealed since.",
            nb="Forseglet av eprom-verify da kjøringen var ferdig, og ikke forseglet på nytt siden.",
        ),
        "sealed_last": Text(en="Last sealed", nb="Sist forseglet"),
        "signed_with": Text(en="The manifest is signed with", nb="Manifestet er signert med"),
        "not_signed": Text(
            en=(
                "The manifest is not signed: it guards against accidents, not against whoever "
                "holds the folder."
            ),
            nb="Manifestet er ikke signert: det verner mot uhell, ikke mot den som har mappen.",
        ),
        "seal_signed": Text(en="signed with", nb="signert med"),
        "seal_reason": Text(en="reason", nb="begrunnelse"),
        "seal_verify_intro": Text(
            en=(
                "How to check the folder (in the report folder; integrator.pub is the "
                "integrator's public key, received by another channel):"
            ),
            nb=(
                "Slik kontrolleres mappen (i rapportmappen; integrator.pub er integratørens "
                "offentlige nøkkel, mottatt på annen vei):"
            ),
        ),
        "seal_forced": Text(en="re-sealed after a change", nb="forseglet på nytt etter endring"),
        "seal_rerendered": Text(
            en="report re-rendered, no file changed",
            nb="rapporten laget på nytt, ingen filer endret",
        ),
        "col_by": Text(en="By", nb="Av"),
        "col_what": Text(en="What", nb="Hva"),
        "run_heading": Text(en="The run and coverage", nb="Kjøringen og dekning"),
        "key_in_report": Text(en="The API key in this report", nb="API-nøkkelen i rapporten"),
        "key_shown_as": Text(
            en=(
                "The key is never in the report: in evidence and messages it is replaced by "
                "«redacted»; the header shows only its fingerprint (sha256)."
            ),
            nb=(
                "Nøkkelen står aldri i rapporten: i bevis og meldinger er den byttet ut med "
                "«redacted», i toppen vises bare fingeravtrykket (sha256)."
            ),
        ),
        "timelines_intro": Text(
            en=(
                "Grouped by checkpoint and test case; events in the order they happened (sent → "
                "answered → callbacks)."
            ),
            nb=(
                "Gruppert etter kontrollpunkt og testtilfelle; hendelsene i den rekkefølgen de "
                "skjedde (sendt → besvart → tilbakekall)."
            ),
        ),
        "no_checkpoint": Text(en="no checkpoint", nb="uten kontrollpunkt"),
        "no_case": Text(en="no test case", nb="uten testtilfelle"),
        "col_person": Text(en="Person", nb="Person"),
        "col_rule": Text(en="Rule", nb="Regel"),
        "col_form": Text(en="Form", nb="Skjema"),
        "col_channel": Text(en="Channel", nb="Kanal"),
        "col_order_status": Text(en="Status", nb="Status"),
        "col_duplicates": Text(en="Duplicates", nb="Duplikater"),
        "all_evidence": Text(en="all {n} in the evidence list", nb="alle {n} i bevislisten"),
        "evidence_intro": Text(
            en="Addresses are shown without the base they share:",
            nb="Adresser vises uten grunnadressen de deler:",
        ),
        "filter_all": Text(en="all", nb="alle"),
        "evidence_files": Text(
            en=(
                "Each piece of evidence is in the report folder as evidence/<id>.json (for "
                "example evidence/e0001.json), sealed in MANIFEST.sha256."
            ),
            nb=(
                "Hvert bevis ligger i rapportmappen som evidence/<id>.json (for eksempel "
                "evidence/e0001.json), forseglet i MANIFEST.sha256."
            ),
        ),
        "col_case": Text(en="Test case", nb="Testtilfelle"),
        "col_what_order": Text(
            en="What (person, rule, form, channel, status)",
            nb="Hva (person, regel, skjema, kanal, status)",
        ),
        "col_events": Text(
            en="Events (time, then time after the first)",
            nb="Hendelser (tid, så tid etter første)",
        ),
        "page": Text(en="Page", nb="Side"),
        "verdict_faults_caught": Text(
            en="The injected faults were caught: {failed} checkpoint(s) failed.",
            nb="Feilene som ble lagt inn, ble oppdaget: {failed} kontrollpunkt feilet.",
        ),
        "verdict_faults_missed": Text(
            en="Faults were injected, but no check failed — the checks did not catch them.",
            nb="Feil ble lagt inn, men ingen kontroll feilet — kontrollene fanget dem ikke.",
        ),
        "verdict_interrupted": Text(
            en="The run was interrupted; the report is incomplete.",
            nb="Kjøringen ble avbrutt; rapporten er ikke komplett.",
        ),
        "verdict_failed": Text(
            en="{failed} checkpoint(s) failed ({hemit_failed} of Hemit's {hemit}).",
            nb="{failed} kontrollpunkt feilet ({hemit_failed} av Hemits {hemit}).",
        ),
        "verdict_attest": Text(
            en="No failures; {attest} checkpoint(s) await attestation.",
            nb="Ingen feil; {attest} kontrollpunkt venter på attestasjon.",
        ),
        "verdict_nothing": Text(en="No checks were run.", nb="Ingen kontroller ble kjørt."),
        "verdict_passed": Text(
            en="All {ran} checkpoints that ran passed ({hemit_passed} of Hemit's {hemit}).",
            nb=(
                "Alle {ran} kontrollpunkt som ble kjørt, er bestått ({hemit_passed} av Hemits "
                "{hemit})."
            ),
        ),
        "sum_not_run": Text(en="no test ran", nb="ingen test kjørte"),
        "sum_warnings": Text(en="{n:warning|warnings}", nb="{n:advarsel|advarsler}"),
        "sum_needs_attestation": Text(en="awaits attestation", nb="venter på attestasjon"),
        "sum_channels": Text(
            en="channel as predicted for {persons:person|persons} × {rules:rule|rules}",
            nb="kanal som forventet for {persons:person|personer} × {rules:regel|regler}",
        ),
        "sum_channels_bad": Text(
            en="wrong channel in {bad} of {n} cases ({persons:person|persons} × {rules:rule|rules})",
            nb=(
                "feil kanal i {bad} av {n} tilfeller ({persons:person|personer} × "
                "{rules:regel|regler})"
            ),
        ),
        "sum_orders": Text(
            en="{n:order|orders} · {errors:error|errors} · {dups:duplicate|duplicates}",
            nb="{n:bestilling|bestillinger} · {errors} feil · {dups:duplikat|duplikater}",
        ),
        "show_rows": Text(en="show all {n} rows", nb="vis alle {n} rader"),
        "sum_simulator": Text(
            en="stored as ordered · must be seen on Helsenorge",
            nb="lagret som bestilt · må sees på Helsenorge",
        ),
        "sum_letters": Text(
            en="{n:letter|letters} · {errors:error|errors} · {dups:duplicate|duplicates}",
            nb="{n} brev · {errors} feil · {dups:duplikat|duplikater}",
        ),
        "sum_signed": Text(
            en="signed document downloaded ({size}, {mime})",
            nb="signert dokument lastet ned ({size}, {mime})",
        ),
        "sum_tests_failed": Text(
            en="{failed} of {n} tests failed", nb="{failed} av {n} tester feilet"
        ),
        "sum_priority": Text(
            en="priority list followed for {n:letter|letters}",
            nb="prioritetslisten fulgt for {n} brev",
        ),
        "sum_priority_bad": Text(
            en="priority list not followed in {bad} of {n} cases",
            nb="prioritetslisten ikke fulgt i {bad} av {n} tilfeller",
        ),
        "sum_receiver": Text(
            en="{n:check|checks} · {examples:example|examples} · {failed} failed",
            nb="{n:kontroll|kontroller} · {examples:eksempel|eksempler} · {failed} feilet",
        ),
        "sum_tests": Text(en="{passed} of {n} tests passed", nb="{passed} av {n} tester bestått"),
        "col_callbacks": Text(en="Callbacks", nb="Tilbakekall"),
        "col_waited": Text(en="Waited", nb="Ventet"),
        "col_result": Text(en="Result", nb="Resultat"),
        "col_signed_id": Text(en="Signed form", nb="Signert skjema"),
        "col_size": Text(en="Size", nb="Størrelse"),
        "col_mime": Text(en="Type", nb="Type"),
        "col_priority": Text(en="Priority list", nb="Prioritetsliste"),
        "col_expected_channel": Text(en="Expected channel", nb="Forventet kanal"),
        "col_check": Text(en="Check", nb="Kontroll"),
        "cbk_status": Text(en="status", nb="status"),
        "cbk_answer": Text(en="answer", nb="svar"),
        "cbk_letter": Text(en="letter", nb="brev"),
        "cbk_privacy": Text(en="privacy", nb="personvern"),
        "fact_judged": Text(en="judged", nb="vurdert"),
        "fact_findings": Text(en="findings", nb="funn"),
        "fact_order_id": Text(en="order", nb="bestilling"),
        "fact_person": Text(en="person", nb="person"),
        "fact_rule": Text(en="rule", nb="regel"),
        "fact_callbacks": Text(en="callbacks", nb="tilbakekall"),
        "fact_duplicates": Text(en="duplicates", nb="duplikater"),
        "fact_waited_s": Text(en="waited (s)", nb="ventet (s)"),
        "fact_expected_channel": Text(en="expected channel", nb="forventet kanal"),
        "fact_received_channel": Text(en="received channel", nb="mottatt kanal"),
        "fact_expected_status": Text(en="expected status", nb="forventet status"),
        "fact_received_status": Text(en="received status", nb="mottatt status"),
        "fact_priority": Text(en="priority", nb="prioritet"),
        "fact_size": Text(en="size", nb="størrelse"),
        "fact_mime": Text(en="type", nb="type"),
        "fact_signed_form_id": Text(en="signed document", nb="signert dokument"),
        "fact_own_changes_reported": Text(
            en="the run's own changes reported back (either is accepted: the guide is silent)",
            nb="kjøringens egne endringer meldt tilbake (begge godtas: veiledningen sier ingenting)",
        ),
        "col_examples": Text(en="Examples", nb="Eksempler"),
        "latency_all": Text(en="all endpoints", nb="alle endepunkter"),
        "simulator_proof_note": Text(
            en=(
                "The simulator shows only what was stored (task and copy as they stand above); "
                "nobody saw the form. A person must look at it on Helsenorge in the test "
                "environment before go-live."
            ),
            nb=(
                "Simulatoren viser bare det som er lagret (oppgave og kopi slik de står over); "
                "ingen har sett skjemaet. En person må se på det på Helsenorge i testmiljøet "
                "før produksjonssetting."
            ),
        ),
        "outcome_passed": Text(en="passed", nb="bestått"),
        "outcome_skipped": Text(en="skipped", nb="hoppet over"),
        "outcome_not_run": Text(en="not run", nb="ikke kjørt"),
        "outcome_needs_attestation": Text(en="needs attestation", nb="krever attestasjon"),
        "ask_heading": Text(en="Manual check", nb="Manuell kontroll"),
        "ask_tester": Text(en="Your name (the tester): ", nb="Navnet ditt (den som tester): "),
        "ask_answer": Text(
            en="Is this right? [y]es / [n]o / [s]kip: ",
            nb="Stemmer dette? [j]a / [n]ei / [h]opp over: ",
        ),
        "ask_invalid": Text(
            en="Answer y (yes), n (no) or s (skip).",
            nb="Svar j (ja), n (nei) eller h (hopp over).",
        ),
        "ask_comment": Text(
            en="Comment (optional, Enter for none): ",
            nb="Kommentar (valgfritt, Enter for ingen): ",
        ),
        "ask_recorded": Text(en="Recorded", nb="Registrert"),
        "ask_skipped": Text(
            en="Skipped: the checkpoint stays “needs attestation”.",
            nb="Hoppet over: kontrollpunktet står som «krever attestasjon».",
        ),
        "words_yes": Text(en="y yes j ja", nb="j ja y yes"),
        "words_no": Text(en="n no nei", nb="n nei no"),
        "words_skip": Text(en="s skip h hopp", nb="h hopp s skip"),
    }
)

#: the report's languages, each a read-only view of ``LABELS`` in that language
LANGS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        lang: MappingProxyType({key: text.in_language(lang) for key, text in LABELS.items()})
        for lang in ("nb", "en")
    }
)
NB: Final[Mapping[str, str]] = LANGS["nb"]
EN: Final[Mapping[str, str]] = LANGS["en"]


def strings(lang: str) -> Mapping[str, str]:
    """The UI strings for ``lang``; a ValueError names the languages there are."""
    try:
        return LANGS[lang]
    except KeyError:
        raise ValueError(f"lang={lang!r} is not supported; use one of: nb, en") from None


def event_label(what: str, lang: str) -> str:
    """A timeline event in ``lang``; an event the report does not know is shown as given."""
    return strings(lang).get("event_" + what.strip().replace(" ", "_"), what)
