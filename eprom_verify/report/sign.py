"""Sign ``MANIFEST.sha256`` as a standard SSH signature, and check such a signature.

The signature is OpenSSH's ``SSHSIG`` format (``PROTOCOL.sshsig`` in OpenSSH's sources), the
one ``ssh-keygen -Y sign`` writes: an armoured ``-----BEGIN SSH SIGNATURE-----`` block over
the SHA-512 of the manifest, in the namespace ``eprom-verify``. A reviewer at Hemit checks it
with nothing of ours::

    ssh-keygen -Y verify -f allowed_signers -I integrator@example -n eprom-verify \\
        -s MANIFEST.sha256.sig < MANIFEST.sha256

where ``allowed_signers`` holds one line, ``integrator@example ssh-ed25519 AAAA…``, made from
the public key the integrator gave Hemit by another channel. Keys are read and signatures made
and checked with ``cryptography`` (pyca); only Ed25519 keys are used (``ssh-keygen -t
ed25519``). A passphrase-protected key is read with the passphrase in
``$EPROM_SIGN_PASSPHRASE`` (``bcrypt``, pyca's too, derives its key), or refused.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import os
import shlex
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from eprom_verify._exceptions import UsageError
from eprom_verify.report.manifest import SIGNATURE_NAME

__all__ = [
    "KEY_TYPE",
    "NAMESPACE",
    "PASSPHRASE_ENV",
    "SIGNATURE_NAME",
    "BadSignature",
    "PublicKey",
    "load_signing_key",
    "read_trusted_keys",
    "sign",
    "verify",
]

NAMESPACE = "eprom-verify"
PASSPHRASE_ENV = "EPROM_SIGN_PASSPHRASE"
KEY_TYPE = "ssh-ed25519"

_MAGIC = b"SSHSIG"
_VERSION = 1
_HASH = "sha512"
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_WRAP = 70  # ssh-keygen wraps the armour at 70 characters


class BadSignature(Exception):
    """The signature does not verify; the message says why, in one line."""


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key as SSH writes it; ``principal`` when from allowed_signers."""

    raw: bytes
    principal: str | None = None

    @property
    def blob(self) -> bytes:
        return _string(KEY_TYPE.encode()) + _string(self.raw)

    @property
    def fingerprint(self) -> str:
        """As ``ssh-keygen -l`` prints it: ``SHA256:`` and unpadded base64."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode()
        return "SHA256:" + digest.rstrip("=")

    @property
    def openssh(self) -> str:
        """The ``ssh-ed25519 AAAA…`` line of a ``.pub`` file (without a comment)."""
        return f"{KEY_TYPE} {base64.b64encode(self.blob).decode()}"

    def same_key(self, other: PublicKey) -> bool:
        return self.raw == other.raw


def load_signing_key(path: Path) -> tuple[Ed25519PrivateKey, PublicKey]:
    """Read an OpenSSH Ed25519 private key file; one-line :class:`UsageError` otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the key file ({exc.strerror})") from None
    passphrase = os.environ.get(PASSPHRASE_ENV)
    password = passphrase.encode() if passphrase else None
    try:
        try:
            key = serialization.load_ssh_private_key(data, password)
        except TypeError as exc:
            if "not encrypted" not in str(exc):
                raise UsageError(
                    f"{path}: the key is protected by a passphrase — set ${PASSPHRASE_ENV} "
                    "to it, or sign with an unencrypted key"
                ) from None
            key = serialization.load_ssh_private_key(data, None)  # the passphrase is not needed
    except UnsupportedAlgorithm as exc:
        raise UsageError(f"{path}: cannot read this key ({exc})") from None
    except ValueError as exc:
        if password is not None and "checksum" in str(exc):
            raise UsageError(f"{path}: wrong passphrase in ${PASSPHRASE_ENV}") from None
        raise UsageError(
            f"{path}: not an OpenSSH private key file (make one with: ssh-keygen -t ed25519)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(
            f"{path}: not an Ed25519 key — eprom-verify signs with Ed25519 keys only "
            "(make one with: ssh-keygen -t ed25519)"
        )
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, PublicKey(raw)


def sign(message: bytes, key: Ed25519PrivateKey, *, namespace: str = NAMESPACE) -> str:
    """The armoured SSH signature of ``message``, as ``ssh-keygen -Y sign`` writes it."""
    public = PublicKey(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    signature = key.sign(_signed_data(message, namespace))
    blob = (
        _MAGIC
        + struct.pack(">I", _VERSION)
        + _string(public.blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(_HASH.encode())
        + _string(_string(KEY_TYPE.encode()) + _string(signature))
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + _WRAP] for i in range(0, len(text), _WRAP)]
    return "\n".join([_BEGIN, *lines, _END]) + "\n"


def verify(message: bytes, armoured: str, *, namespace: str = NAMESPACE) -> PublicKey:
    """The key that signed ``message``; :class:`BadSignature` (one line) when it does not."""
    blob = _dearmour(armoured)
    reader = _Reader(blob)
    try:
        if reader.take(6) != _MAGIC:
            raise BadSignature("not an SSH signature (no SSHSIG preamble)")
        (version,) = struct.unpack(">I", reader.take(4))
        if version != _VERSION:
            raise BadSignature(f"SSH signature version {version} is not supported")
        key_blob = reader.string()
        signed_namespace = reader.string().decode("utf-8", "replace")
        reader.string()  # reserved
        hash_alg = reader.string().decode("ascii", "replace")
        sig_blob = reader.string()
        key_reader = _Reader(key_blob)
        key_type = key_reader.string().decode("ascii", "replace")
        raw = key_reader.string()
        sig_reader = _Reader(sig_blob)
        sig_type = sig_reader.string().decode("ascii", "replace")
        signature = sig_reader.string()
    except (struct.error, _Truncated):
        raise BadSignature("the SSH signature is truncated or garbled") from None
    if key_type != KEY_TYPE or sig_type != KEY_TYPE:
        raise BadSignature(f"signed with a {key_type} key; only {KEY_TYPE} is supported")
    if signed_namespace != namespace:
        raise BadSignature(
            f"made for namespace {signed_namespace!r}, not {namespace!r} — not an eprom-verify seal"
        )
    if hash_alg not in ("sha512", "sha256"):
        raise BadSignature(f"hash algorithm {hash_alg!r} is not supported")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            signature, _signed_data(message, namespace, hash_alg)
        )
    except (InvalidSignature, ValueError):
        raise BadSignature(
            "does not match the manifest — the manifest was changed or recomputed after it "
            "was signed"
        ) from None
    return PublicKey(raw)


def read_trusted_keys(path: Path) -> list[PublicKey]:
    """Ed25519 keys from a ``.pub`` file or an ``allowed_signers`` file (namespace honoured)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    keys: list[PublicKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            fields = shlex.split(line)
        except ValueError:
            raise UsageError(f"{path}:{number}: not a public key line") from None
        at = next((i for i, f in enumerate(fields) if _is_key_type(f)), None)
        if at is None or at + 1 >= len(fields):
            raise UsageError(f"{path}:{number}: not a public key line (no 'ssh-ed25519 AAAA…')")
        if fields[at] != KEY_TYPE:
            continue  # another kind of key: it cannot have made an eprom-verify seal
        principal = fields[0] if at > 0 else None
        options = fields[1:at]
        if "cert-authority" in options or not _namespace_allowed(options):
            continue
        try:
            reader = _Reader(base64.b64decode(fields[at + 1], validate=True))
            if reader.string() != KEY_TYPE.encode():
                raise _Truncated
            raw = reader.string()
        except (binascii.Error, _Truncated):
            raise UsageError(f"{path}:{number}: the key's base64 is garbled") from None
        keys.append(PublicKey(raw, principal))
    if not keys:
        raise UsageError(f"{path}: holds no {KEY_TYPE} key for namespace {NAMESPACE!r}")
    return keys


def _is_key_type(field: str) -> bool:
    return field.startswith(("ssh-", "ecdsa-", "sk-")) and "=" not in field


def _namespace_allowed(options: list[str]) -> bool:
    for option in options:
        name, _, value = option.partition("=")
        if name.lower() == "namespaces":
            return any(fnmatch.fnmatchcase(NAMESPACE, p) for p in value.split(","))
    return True


def _signed_data(message: bytes, namespace: str, hash_alg: str = _HASH) -> bytes:
    digest = hashlib.new(hash_alg, message).digest()
    return (
        _MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def _dearmour(armoured: str) -> bytes:
    lines = [line.strip() for line in armoured.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise BadSignature(f"not an armoured SSH signature (no {_BEGIN} … {_END})")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error:
        raise BadSignature("the SSH signature's base64 is garbled") from None


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Truncated(Exception):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._data):
            raise _Truncated
        chunk = self._data[self._at : self._at + n]
        self._at += n
        return chunk

    def string(self) -> bytes:
        (length,) = struct.unpack(">I", self.take(4))
        return self.take(length)
