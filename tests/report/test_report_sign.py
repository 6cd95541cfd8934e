"""A signed seal: ``report DIR --sign KEYFILE`` and ``--verify`` against the signer's key.

The signature is a standard SSH signature; ssh-keygen (openssh-client) must accept it with
nothing of ours. CI installs openssh-client; elsewhere the ssh-keygen tests skip and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from markupsafe import escape
from report_sample import Sample
from test_report_cli import report

from eprom_verify.report import MANIFEST_NAME, write_manifest
from eprom_verify.report.i18n import strings
from eprom_verify.report.seal import read_log
from eprom_verify.report.sign import (
    PASSPHRASE_ENV,
    SIGNATURE_NAME,
    BadSignature,
    load_signing_key,
    sign,
    verify,
)

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(
    SSH_KEYGEN is None and not os.environ.get("CI"),
    reason="ssh-keygen (openssh-client) is not installed; CI installs it",
)
PRINCIPAL = "integrator@example"


def write_key(path: Path, *, passphrase: bytes | None = None) -> Path:
    key = Ed25519PrivateKey.generate()
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path.with_name(path.name + ".pub").write_bytes(public + b" me@host\n")
    return path


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return write_key(tmp_path / "id_ed25519")


@pytest.fixture
def signed(sample: Sample, key: Path) -> Path:
    code, out, err = report(str(sample.report_dir), "--sign", str(key), "--by", "Kari Nordmann")
    assert (code, err) == (0, ""), err
    assert f"wrote {sample.report_dir / SIGNATURE_NAME}" in out
    return sample.report_dir


def allowed_signers(tmp_path: Path, key: Path) -> Path:
    path = tmp_path / "allowed_signers"
    pub = key.with_name(key.name + ".pub").read_text()
    path.write_text(f'{PRINCIPAL} namespaces="eprom-verify" {pub}')
    return path


def ssh_keygen_verify(report_dir: Path, signers: Path) -> subprocess.CompletedProcess[bytes]:
    assert SSH_KEYGEN is not None, "ssh-keygen is missing: install openssh-client"
    return subprocess.run(
        [
            SSH_KEYGEN,
            "-Y",
            "verify",
            "-f",
            str(signers),
            "-I",
            PRINCIPAL,
            "-n",
            "eprom-verify",
            "-s",
            str(report_dir / SIGNATURE_NAME),
        ],
        input=(report_dir / MANIFEST_NAME).read_bytes(),
        capture_output=True,
        check=False,
    )


@needs_ssh_keygen
def test_ssh_keygen_verifies_our_signature_and_rejects_a_recomputed_manifest(
    signed: Path, key: Path, tmp_path: Path
):
    assert (signed / SIGNATURE_NAME).read_text().startswith("-----BEGIN SSH SIGNATURE-----\n")
    signers = allowed_signers(tmp_path, key)
    done = ssh_keygen_verify(signed, signers)
    assert done.returncode == 0, done.stderr
    assert b'Good "eprom-verify" signature for integrator@example' in done.stdout

    evidence = signed / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace("Ordered", "Completed"))
    write_manifest(signed)  # recomputed by hand: sha256sum -c would pass
    done = ssh_keygen_verify(signed, signers)
    assert done.returncode != 0


@needs_ssh_keygen
def test_a_key_made_by_ssh_keygen_signs_exactly_as_ssh_keygen_does(tmp_path: Path):
    assert SSH_KEYGEN is not None
    keyfile = tmp_path / "id"
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "me@host", "-f", str(keyfile)],
        check=True,
    )
    message = tmp_path / "m"
    message.write_bytes(b"abc  report.json\n")
    subprocess.run(
        [SSH_KEYGEN, "-Y", "sign", "-q", "-f", str(keyfile), "-n", "eprom-verify", str(message)],
        check=True,
        capture_output=True,
    )
    private, public = load_signing_key(keyfile)
    theirs = (tmp_path / "m.sig").read_text()
    assert sign(message.read_bytes(), private) == theirs  # Ed25519 is deterministic
    assert verify(message.read_bytes(), theirs) == public


def test_our_verify_checks_the_signature_against_the_given_key(
    signed: Path, key: Path, tmp_path: Path
):
    code, out, err = report(str(signed), "--verify", "--public-key", f"{key}.pub")
    assert (code, err) == (0, "")
    _, public = load_signing_key(key)
    assert f"is signed with the trusted key ({public.fingerprint})" in out

    code, out, err = report(
        str(signed), "--verify", "--allowed-signers", str(allowed_signers(tmp_path, key))
    )
    assert (code, err) == (0, "")
    assert f"signed with the trusted key of {PRINCIPAL}" in out

    code, out, err = report(str(signed), "--verify")
    assert (code, err) == (0, "")
    assert f"signed with ssh-ed25519 key {public.fingerprint} — compare it" in out


def test_a_changed_byte_fails_verify(signed: Path, key: Path):
    evidence = signed / "evidence" / "e0002.json"
    evidence.write_bytes(evidence.read_bytes().replace(b"{", b"{ ", 1))
    code, _, err = report(str(signed), "--verify", "--public-key", f"{key}.pub")
    assert code == 1
    assert err.splitlines()[0] == (
        "evidence/e0002.json: changed since the report was sealed (SHA-256 differs)"
    )


def test_a_recomputed_manifest_fails_verify(signed: Path, key: Path):
    evidence = signed / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace("Ordered", "Completed"))
    write_manifest(signed)
    code, _, err = report(str(signed), "--verify")
    assert code == 1
    problem, _ = err.splitlines()
    assert problem == (
        f"{SIGNATURE_NAME}: does not match the manifest — the manifest was changed or "
        "recomputed after it was signed"
    )


def test_a_signature_made_anew_with_another_key_fails_against_the_integrators(
    signed: Path, key: Path, tmp_path: Path
):
    other = write_key(tmp_path / "other")
    evidence = signed / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace("Ordered", "Completed"))
    write_manifest(signed)
    private, public = load_signing_key(other)
    (signed / SIGNATURE_NAME).write_text(sign((signed / MANIFEST_NAME).read_bytes(), private))
    code, _, err = report(str(signed), "--verify", "--public-key", f"{key}.pub")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{SIGNATURE_NAME}: signed with key {public.fingerprint}, which is not in {key}.pub"
    )


def test_a_removed_signature_fails_verify(signed: Path, key: Path):
    (signed / SIGNATURE_NAME).unlink()
    code, _, err = report(str(signed), "--verify")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{SIGNATURE_NAME}: missing — the folder was signed (seal 1) but its manifest is not"
    )
    code, _, err = report(str(signed), "--verify", "--public-key", f"{key}.pub")
    assert code == 1
    assert err.splitlines()[0] == f"{SIGNATURE_NAME}: missing — the folder is not signed"


def test_a_forced_reseal_of_a_signed_folder_fails_verify_and_keeps_the_old_signature(
    signed: Path, key: Path
):
    evidence = signed / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace("Ordered", "Completed"))
    code, _, err = report(
        str(signed), "--force", "--sign", str(key), "--by", "Ola", "--reason", "fixed a typo"
    )
    assert (code, err) == (0, "")
    _, second = read_log(signed)
    assert second.forced
    assert second.previous_signature == "seals/MANIFEST.2.sha256.sig"
    assert (signed / second.previous_signature).read_text().startswith("-----BEGIN SSH")
    code, out, err = report(str(signed), "--verify", "--public-key", f"{key}.pub")
    assert code == 1
    assert "seal 2:" in out
    assert "by Ola: re-sealed with --force after changes" in out
    problem, summary = err.splitlines()
    assert problem.startswith("re-sealed with --force on ")
    assert "by Ola after changes (evidence/e0003.json" in problem
    assert "reason: fixed a typo" in problem

    (signed / second.previous_signature).unlink()  # the manifest lists it, and so does the log
    code, _, err = report(str(signed), "--verify")
    assert code == 1
    assert f"{second.previous_signature}: the previous signature is missing" in err


def test_re_rendering_a_signed_folder_without_sign_is_refused(signed: Path):
    manifest = (signed / MANIFEST_NAME).read_bytes()
    code, out, err = report(str(signed), "--lang", "en")
    assert (code, out) == (2, "")
    assert err == (
        f"eprom-verify report: {signed} is signed; re-rendering would leave the signature "
        "over the old manifest — pass --sign KEYFILE to sign it again\n"
    )
    assert (signed / MANIFEST_NAME).read_bytes() == manifest


def test_the_html_says_who_signed_and_how_to_verify(signed: Path, key: Path):
    _, public = load_signing_key(key)
    (entry,) = read_log(signed)
    assert entry.by == "Kari Nordmann"
    assert entry.signed_with == f"ssh-ed25519 {public.fingerprint}"
    for name, lang in (("report.html", "nb"), ("report.en.html", "en")):
        html = (signed / name).read_text()
        seal = html[html.index('id="seals"') :]
        assert f"{escape(strings(lang)['sealed_last'])} {entry.at:%Y-%m-%d}" in seal
        assert "Kari Nordmann" in seal
        assert f"{escape(strings(lang)['signed_with'])} <code>{entry.signed_with}" in seal
        assert "ssh-keygen -Y verify -f allowed_signers -I integrator@example -n " in seal
        assert "eprom-verify report . --verify --public-key integrator.pub" in seal
        assert "ikke endret siden" not in html
        assert "not changed since" not in html


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "cannot read the key file (No such file or directory)"),
        ("garbage", "not an OpenSSH private key file (make one with: ssh-keygen -t ed25519)"),
        ("ecdsa", "not an Ed25519 key — eprom-verify signs with Ed25519 keys only"),
        ("encrypted", f"the key is protected by a passphrase — set ${PASSPHRASE_ENV} to it"),
        ("wrong-passphrase", f"wrong passphrase in ${PASSPHRASE_ENV}"),
    ],
)
def test_an_unusable_key_is_one_line_exit_2_and_nothing_written(
    sample: Sample, tmp_path: Path, monkeypatch, setup: str, message: str
):
    keyfile = tmp_path / "key"
    if setup == "garbage":
        keyfile.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n")
    elif setup == "ecdsa":
        keyfile.write_bytes(
            ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.NoEncryption(),
            )
        )
    elif setup in ("encrypted", "wrong-passphrase"):
        write_key(keyfile, passphrase=b"correct horse")
        if setup == "wrong-passphrase":
            monkeypatch.setenv(PASSPHRASE_ENV, "battery staple")
    manifest = (sample.report_dir / MANIFEST_NAME).read_bytes()
    html = (sample.report_dir / "report.html").read_bytes()
    code, out, err = report(str(sample.report_dir), "--sign", str(keyfile))
    assert (code, out) == (2, "")
    assert err.startswith(f"eprom-verify report: {keyfile}: {message}")
    assert err.count("\n") == 1
    assert (sample.report_dir / MANIFEST_NAME).read_bytes() == manifest
    assert (sample.report_dir / "report.html").read_bytes() == html
    assert not (sample.report_dir / SIGNATURE_NAME).exists()
    assert read_log(sample.report_dir) == []


def test_a_passphrase_protected_key_signs_with_the_passphrase_from_the_environment(
    sample: Sample, tmp_path: Path, monkeypatch
):
    keyfile = write_key(tmp_path / "key", passphrase=b"correct horse")
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    assert report(str(sample.report_dir), "--sign", str(keyfile))[0] == 0
    code, _, err = report(str(sample.report_dir), "--verify", "--public-key", f"{keyfile}.pub")
    assert (code, err) == (0, "")


def test_a_garbled_or_foreign_signature_is_named():
    with pytest.raises(BadSignature, match="not an armoured SSH signature"):
        verify(b"x", "hello")
    key = Ed25519PrivateKey.generate()
    with pytest.raises(BadSignature, match="made for namespace 'git', not 'eprom-verify'"):
        verify(b"x", sign(b"x", key, namespace="git"))


def test_verify_options_are_checked(signed: Path, key: Path, tmp_path: Path):
    code, _, err = report(str(signed), "--public-key", f"{key}.pub")
    assert code == 2
    assert err == "eprom-verify report: --public-key and --allowed-signers go with --verify\n"
    code, _, err = report(str(signed), "--verify", "--sign", str(key))
    assert code == 2
    assert "--verify changes nothing" in err
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-ed25519 !!!notbase64\n")
    code, _, err = report(str(signed), "--verify", "--public-key", str(bad))
    assert code == 2
    assert err == f"eprom-verify report: {bad}:1: the key's base64 is garbled\n"
