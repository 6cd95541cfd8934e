"""The shipped fixtures load and agree with the docs; broken fixture files give one-line errors."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from pathlib import Path

import pytest

from eprom_verify import config
from eprom_verify.config import (
    ConfigError,
    Patient,
    PostalAddress,
    load_environments,
    load_forms,
    load_patients,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAYLOADS = FIXTURES / "payloads"
PAYLOAD_FILES = sorted(PAYLOADS.glob("*.json"))
VERIFICATION_PERSON = "26670271527"


# --- national ID arithmetic, written out here so the test does not trust the code under test ---


def check_digits_ok(national_id: str) -> bool:
    digits = [int(c) for c in national_id]
    for weights, position in (
        ((3, 7, 6, 1, 8, 9, 4, 5, 2), 9),
        ((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), 10),
    ):
        remainder = 11 - sum(w * d for w, d in zip(weights, digits, strict=False)) % 11
        expected = 0 if remainder == 11 else remainder
        if expected == 10 or digits[position] != expected:
            return False
    return True


def birth_date(national_id: str) -> date:
    """Day +40 for D-numbers, month +65 for synthetic identities; century from the individual no."""
    day, month, year = int(national_id[0:2]), int(national_id[2:4]), int(national_id[4:6])
    individual = int(national_id[6:9])
    day -= 40 if day > 40 else 0
    month -= 65 if month > 65 else 0
    century = 2000 if individual >= 500 and year < 40 else 1900
    return date(century + year, month, day)


def test_check_digit_arithmetic_matches_the_documented_ids() -> None:
    assert check_digits_ok(VERIFICATION_PERSON)
    assert check_digits_ok("26073941651")  # the guide's code examples
    assert check_digits_ok("01039494104")  # the 2022-2023 verification person
    assert not check_digits_ok("12345678901")
    assert birth_date(VERIFICATION_PERSON) == date(2002, 2, 26)


# --- the shipped fixtures -----------------------------------------------------------------------


def test_shipped_environments_load_with_the_documented_urls() -> None:
    envs = load_environments()

    assert list(envs) == ["simulator", "test", "qa", "prod"]
    assert envs["simulator"].embedded
    assert envs["simulator"].base_url is None
    assert not envs["simulator"].requires_api_key
    assert envs["test"].base_url == "https://proms.hemitdev.org/promswebapi"
    assert envs["qa"].base_url == "https://pasientrapportering.qa.nhn.no/webapi"
    assert envs["prod"].base_url == "https://pasientrapportering.nhn.no/webapi"
    assert [name for name, env in envs.items() if env.reaches_people] == ["prod"]


def test_shipped_patients_load() -> None:
    patients = load_patients()

    person = patients.patient("verification-person")
    assert person.national_id == VERIFICATION_PERSON
    assert person.helsenorge_consent == "full"
    assert set(person.environments) == {"simulator", "test", "qa"}
    assert [d.type for d in patients.pvk] == ["Reservasjon", "Samtykke"]


def test_every_patient_id_has_valid_check_digits() -> None:
    bad = [p.key for p in load_patients().patients if not check_digits_ok(p.national_id)]
    assert bad == [], f"national IDs with wrong mod-11 check digits: {bad}"


def test_every_description_states_the_birth_date_the_id_encodes() -> None:
    wrong = []
    for person in load_patients().patients:
        born = birth_date(person.national_id)
        stated = f"{born.day} {born:%b %Y}"
        if stated not in person.description:
            wrong.append(f"{person.key}: ID says {stated}")
    assert wrong == [], wrong


def test_only_the_documented_person_exists_outside_the_simulator() -> None:
    envs = load_environments()
    for person in load_patients().patients:
        assert set(person.environments) <= set(envs), person.key
        assert "prod" not in person.environments, person.key
        if person.national_id != VERIFICATION_PERSON:
            assert person.environments == ["simulator"], person.key


def test_the_synthetic_set_covers_every_channel_situation() -> None:
    by_key = {p.key: p for p in load_patients().patients}

    assert by_key["mailbox-only"].digital_mailbox
    assert by_key["mailbox-only"].krr is not None  # digitally active, or no mailbox either
    assert by_key["paper-only"].postal_address is not None
    assert by_key["paper-only"].krr is None
    stale = by_key["stale-krr"]
    assert stale.krr is not None
    assert stale.krr.updated_months_ago > 18
    assert by_key["child-10"].can_be_represented
    assert int(by_key["dnumber-adult"].national_id[:2]) > 40
    assert not by_key["not-registered"].registered
    nowhere = by_key["unreachable"]
    assert (nowhere.helsenorge_consent, nowhere.digital_mailbox, nowhere.krr) == (
        "none",
        False,
        None,
    )
    assert nowhere.postal_address is None


def test_shipped_forms_load_and_cover_the_order_errors() -> None:
    forms = load_forms().forms

    assert any(f.must_be_signed and f.published and not f.paper_enabled for f in forms)
    assert any(not f.published for f in forms)
    assert any(
        f.published and not f.paper_enabled and any(x.type == "text" for x in f.fields)
        for f in forms
    )
    orderable = [f for f in forms if f.patient_orderable]
    assert len(orderable) >= 2
    assert any(f.patient_ordered_must_be_signed for f in orderable)


def test_rand12_fields_are_the_documented_answer_fields() -> None:
    rand12 = load_forms().form("1bc5f9f0-2607-49eb-94f0-6af955bbd79a")
    answer = json.loads(
        json.loads((PAYLOADS / "form_answer_callback.json").read_text())["formData"]
    )

    assert rand12.name == "RAND-12"
    assert [f.name for f in rand12.fields] == list(answer)
    for field in rand12.fields:
        assert field.type == "choice"
        assert field.options is not None
        assert answer[field.name] in field.options, field.name


def test_lookups_name_what_exists() -> None:
    with pytest.raises(KeyError, match="available: verification-person"):
        load_patients().patient("nobody")
    with pytest.raises(KeyError, match="RAND-12"):
        load_forms().form("no-such-form")


def test_models_accept_python_names_too() -> None:
    address = PostalAddress(
        full_name="Test Testesen",
        address_line1="Testeveien 1",
        postal_code="1234",
        postal_place="X",
    )
    assert address.model_dump(by_alias=True)["addressLine1"] == "Testeveien 1"
    assert Patient.model_fields["national_id"].alias == "nationalId"


def test_fixtures_dir_follows_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / "patients.yaml").read_text(encoding="utf-8")
    (tmp_path / "patients.yaml").write_text(text.replace("Hanne Helsenorge", "Hanne Kopi"), "utf-8")
    monkeypatch.setenv("EPROM_FIXTURES_DIR", str(tmp_path))

    assert config.fixtures_dir() == tmp_path
    assert load_patients().patient("helsenorge-adult").name == "Hanne Kopi"


def test_all_names_are_exported() -> None:
    assert sorted(config.__all__) == config.__all__
    assert all(hasattr(config, name) for name in config.__all__)


# --- malformed files ----------------------------------------------------------------------------

VALID_PATIENTS = """\
patients:
  - key: first-person
    nationalId: "26670271527"
    name: "Første"
    description: "valid"
    helsenorgeConsent: full
    digitalMailbox: false
    krr: {email: "first@example.com", updatedMonthsAgo: 2}
    postalAddress: null
    environments: [simulator]
  - key: second-person
    nationalId: "12718410019"
    name: "Andre"
    description: "valid"
    helsenorgeConsent: none
    digitalMailbox: true
    krr: null
    postalAddress:
      fullName: "Andre"
      addressLine1: "Vei 1"
      postalCode: "7030"
      postalPlace: "Trondheim"
    environments: [simulator]
    expect:
      Basic: DigitalMailbox
"""


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, f"{needle!r} must occur once"
    return text[: text.index(needle)].count("\n") + 1


# (id, replace this, with this, line holding this text, field path, words in the message)
MALFORMED = [
    (
        "wrong-enum",
        "helsenorgeConsent: none",
        "helsenorgeConsent: yes",
        "helsenorgeConsent: yes",
        "patients[1].helsenorgeConsent",
        "must be one of full, limited, none (got 'yes')",
    ),
    (
        "missing-national-id",
        '    nationalId: "12718410019"\n',
        "",
        "- key: second-person",
        "patients[1].nationalId",
        "required field is missing",
    ),
    (
        "unknown-field",
        "    digitalMailbox: true\n",
        "    digitalMailbox: true\n    favouriteColour: blue\n",
        "favouriteColour",
        "patients[1].favouriteColour",
        "unknown field",
    ),
    (
        "misspelt-field",
        '    nationalId: "12718410019"',
        '    nationalID: "12718410019"',
        "nationalID",
        "patients[1].nationalID",
        "did you mean nationalId?",
    ),
    (
        "bad-yaml-syntax",
        '    name: "Andre"',
        '    name "Andre"',
        'name "Andre"',
        "patients[1]",
        "YAML syntax error",
    ),
    (
        "duplicate-key",
        '    name: "Andre"\n',
        '    name: "Andre"\n    name: "Andre igjen"\n',
        'name: "Andre igjen"',
        "patients[1].name",
        "duplicate key (first at line 13)",
    ),
    (
        "unquoted-postal-code",
        'postalCode: "7030"',
        "postalCode: 0150",
        "postalCode: 0150",
        "patients[1].postalAddress.postalCode",
        'put it in quotes: "0150"',
    ),
    (
        "national-id-too-short",
        '"12718410019"',
        '"1271841001"',
        '"1271841001"',
        "patients[1].nationalId",
        "must be 11 digits",
    ),
    (
        "unknown-rule-in-expect",
        "Basic: DigitalMailbox",
        "Basci: DigitalMailbox",
        "Basci:",
        "patients[1].expect.Basci",
        "key must be one of Basic, AllowUnsecure",
    ),
    (
        "unknown-channel-in-expect",
        "Basic: DigitalMailbox",
        "Basic: Digipost",
        "Basic: Digipost",
        "patients[1].expect.Basic",
        "must be one of None, Helsenorge",
    ),
    (
        "duplicate-patient-key",
        "key: second-person",
        "key: first-person",
        '- key: first-person\n    nationalId: "12718410019"',
        "patients[1].key",
        "'first-person' is already used by entry [0]",
    ),
    (
        "krr-without-contact-info",
        'krr: {email: "first@example.com", updatedMonthsAgo: 2}',
        "krr: {updatedMonthsAgo: 2}",
        "krr: {updatedMonthsAgo: 2}",
        "patients[0].krr",
        "needs an email or a phone",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line_text", "field", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
)
def test_malformed_patients_give_one_line_naming_file_line_and_field(
    tmp_path: Path, old: str, new: str, line_text: str, field: str, words: str
) -> None:
    assert old in VALID_PATIENTS
    text = VALID_PATIENTS.replace(old, new, 1)
    path = tmp_path / "patients.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_patients(path)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line_of(text, line_text)}: {field}: "), message
    assert words in message
    assert " — " in message  # what to do comes after the dash
    assert (caught.value.line, caught.value.field) == (line_of(text, line_text), field)


def test_the_valid_variant_loads(tmp_path: Path) -> None:
    path = tmp_path / "patients.yaml"
    path.write_text(VALID_PATIENTS, encoding="utf-8")
    assert [p.key for p in load_patients(path).patients] == ["first-person", "second-person"]


def test_further_problems_are_kept_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "patients.yaml"
    text = VALID_PATIENTS.replace("Consent: none", "Consent: no").replace(
        "Consent: full", "Consent: FULL"
    )
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_patients(path)

    assert caught.value.line == line_of(text, "Consent: FULL")
    assert len(caught.value.others) == 1
    assert (
        f":{line_of(text, 'Consent: no')}: patients[1].helsenorgeConsent:" in caught.value.others[0]
    )


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: file not found — "):
        load_patients(tmp_path / "nowhere.yaml")


def test_an_empty_file_says_what_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "forms.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the file is empty — it needs the top-level keys forms"):
        load_forms(path)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        pytest.param(
            "options: [1, 2, 3, 4]\n",
            "options: []\n",
            "forms[4].fields[2].options",
            "a choice field needs a non-empty options list",
            id="choice-without-options",
        ),
        pytest.param(
            '"3f6b2d1e-7c48-4a9b-b5e2-0d81c4f7a926"',
            '"form-2"',
            "forms[1].id",
            "must be a lower-case GUID",
            id="id-not-a-guid",
        ),
        pytest.param(
            '{name: Smoker, type: boolean, question: "Jeg røyker"}',
            '{name: Smoker, type: boolean, question: "Jeg røyker", maxLength: 3}',
            "forms[3].fields[3].maxLength",
            "only text fields have maxLength",
            id="maxlength-on-boolean",
        ),
        pytest.param(
            'optionLabels: ["Lite", "Noe", "Mye", "Svært mye"]',
            'optionLabels: ["Lite", "Noe", "Mye"]',
            "forms[4].fields[2].optionLabels",
            "3 optionLabels for 4 options",
            id="option-labels-miscounted",
        ),
    ],
)
def test_malformed_forms(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    text = (FIXTURES / "forms.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "forms.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_forms(path)

    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_real_environment_needs_a_base_url(tmp_path: Path) -> None:
    text = (FIXTURES / "environments.yaml").read_text(encoding="utf-8")
    line = '    baseUrl: "https://pasientrapportering.qa.nhn.no/webapi"\n'
    path = tmp_path / "environments.yaml"
    path.write_text(text.replace(line, ""), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_environments(path)

    assert caught.value.field == "environments.qa.baseUrl"
    assert caught.value.line == line_of(text, "  qa:")  # the entry that lacks it


# --- payloads and the sample PDF ----------------------------------------------------------------


@pytest.mark.parametrize("path", PAYLOAD_FILES, ids=lambda p: p.stem)
def test_payload_is_valid_json(path: Path) -> None:
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


def test_payload_readme_lists_exactly_the_payload_files() -> None:
    readme = (PAYLOADS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z0-9_]+\.json)`", readme))
    assert listed == {p.name for p in PAYLOAD_FILES}


def test_sample_pdf_is_one_well_formed_page() -> None:
    pdf = (FIXTURES / "sample.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    startxref = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    assert pdf[startxref:].startswith(b"xref")
    offsets = [int(m) for m in re.findall(rb"^(\d{10}) 00000 n", pdf, flags=re.MULTILINE)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_letter_payload_carries_the_sample_pdf() -> None:
    letter = json.loads((PAYLOADS / "message_to_citizen_request.json").read_text(encoding="utf-8"))
    content = letter["documentCollection"]["mainDocument"]["content"]
    assert base64.b64decode(content) == (FIXTURES / "sample.pdf").read_bytes()


def test_each_person_reaches_what_its_description_promises() -> None:
    """The channel rules (channels.py) give each synthetic person its documented channel."""
    import datetime

    from eprom_verify.channels import expected_channel
    from eprom_verify.contract import DistributionRule as R
    from eprom_verify.contract import NotificationChannel as C

    today = datetime.date(2026, 11, 22)
    by_key = {p.key: p for p in load_patients().patients}
    promised = {
        ("mailbox-only", R.Basic): C.DigitalMailbox,
        ("helsenorge-adult", R.Basic): C.Helsenorge,
        ("unsecure-only", R.AllowUnsecure): C.Unsecure,
        ("unsecure-only", R.Basic): C.None_,
        ("paper-only", R.BasicOrPaper): C.PhysicalMailbox,
        ("paper-only", R.Basic): C.None_,
        ("stale-krr", R.Basic): C.None_,
        ("teen-14", R.AllowUnsecure): C.Unsecure,
        ("child-10", R.Basic): C.Helsenorge,
        ("dnumber-adult", R.Basic): C.Helsenorge,
        ("unreachable", R.AllowUnsecureOrPaper): C.None_,
    }
    got = {case: expected_channel(by_key[case[0]], case[1], today=today) for case in promised}
    assert got == promised
