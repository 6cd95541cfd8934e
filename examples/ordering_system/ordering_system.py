"""A small, real ordering system (Bestillersystem) that integrates with ePROM.

It is the example ``eprom-verify observe`` verifies (docs/observe.md). Standard library only,
so it reads like code from any project:

* ``serve`` — the callback service at ``<ApiBaseUrl>/api/PromsFormOrder``,
  ``/api/MessageToCitizen`` and ``/api/PersonvernInnstilling``. It checks the API key,
  stores each status and answer once (SQLite, idempotent: a redelivered callback is
  acknowledged again and changes nothing) and downloads the signed document of a signed
  answer (``GET /api/ExternalDocument/{signedFormId}``).
* ``order``, ``letter``, ``sms``, ``email``, ``privacy-get``, ``privacy-set`` — place a
  request toward ePROM from the command line; each is stored, and a reference given twice
  is not sent twice.

Configuration (environment): ``EPROM_PROMS_API_BASE_URL``, ``EPROM_API_KEY``,
``EXAMPLE_DB`` (the SQLite file, default ``ordering_system.db``), ``EXAMPLE_DOCUMENTS``
(where signed documents are kept, default ``signed-documents/`` beside the database).

``EXAMPLE_FAULT`` (comma-separated) makes it faulty on purpose, for eprom-verify's tests:
``double-order`` (places each form order twice), ``ack-false`` (acknowledges status
callbacks with ``success: false``), ``redelivery-5xx`` (answers 500 to a callback it has
already stored), ``no-download`` (never downloads a signed document), ``metadata-object``
(sends ``metadata`` as a JSON object), ``base64-key`` (sends the key base64-encoded),
``letter-404`` (has no letter endpoint), ``slow-ack`` (answers after
``EXAMPLE_SLOW_SECONDS``, default 2).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

NIL_GUID = "00000000-0000-0000-0000-000000000000"
SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (reference TEXT PRIMARY KEY, kind TEXT, body TEXT,
    status INTEGER, answer TEXT, eprom_id TEXT, at REAL);
CREATE TABLE IF NOT EXISTS statuses (form_order_id TEXT, status TEXT, channel TEXT, at REAL,
    PRIMARY KEY (form_order_id, status));
CREATE TABLE IF NOT EXISTS answers (form_order_id TEXT PRIMARY KEY, status TEXT,
    form_data TEXT, signed_form_id TEXT, patient_initiated INTEGER, at REAL);
CREATE TABLE IF NOT EXISTS documents (signed_form_id TEXT PRIMARY KEY, size INTEGER, at REAL);
CREATE TABLE IF NOT EXISTS letters (message_to_citizen_id TEXT PRIMARY KEY, sent_status TEXT,
    channel TEXT, at REAL);
CREATE TABLE IF NOT EXISTS privacy (national_id TEXT, pvk_id TEXT, status TEXT, at REAL,
    PRIMARY KEY (national_id, pvk_id, status));
"""


def faults() -> set[str]:
    return {f.strip() for f in os.environ.get("EXAMPLE_FAULT", "").split(",") if f.strip()}


def db() -> sqlite3.Connection:
    connection = sqlite3.connect(os.environ.get("EXAMPLE_DB", "ordering_system.db"), timeout=10)
    connection.executescript(SCHEMA)
    return connection


def api_key() -> str:
    key = os.environ.get("EPROM_API_KEY")
    if not key:
        raise SystemExit("ordering_system: set EPROM_API_KEY (the key Hemit gave you)")
    return key


def base_url() -> str:
    url = os.environ.get("EPROM_PROMS_API_BASE_URL")
    if not url:
        raise SystemExit("ordering_system: set EPROM_PROMS_API_BASE_URL (PromsApiBaseUrl)")
    return url.rstrip("/")


# --- toward ePROM ----------------------------------------------------------------------


def _authorization() -> str:
    if "base64-key" in faults():
        return "Basic " + base64.b64encode(f"apikey:{api_key()}".encode()).decode()
    return f"Basic {api_key()}"


def call(method: str, path: str, body: Any = None, *, header_auth: bool = True) -> tuple[int, Any]:
    """One request to ePROM: (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(base_url() + path, data=data, method=method)
    request.add_header("Content-Type", "application/json; charset=utf-8")
    if header_auth:
        request.add_header("Authorization", _authorization())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", errors="replace")


def send_once(reference: str, kind: str, method: str, path: str, body: dict[str, Any],
              *, header_auth: bool = True) -> tuple[int, Any]:  # fmt: skip
    """Send a request unless ``reference`` was sent before (the system's own idempotency)."""
    with db() as connection:
        row = connection.execute(
            "SELECT status, answer FROM requests WHERE reference = ?", (reference,)
        ).fetchone()
    if row is not None and row[0] is not None and row[0] < 500:
        return row[0], json.loads(row[1])
    status, answer = call(method, path, body, header_auth=header_auth)
    if kind == "formorder" and "double-order" in faults():
        status, answer = call(method, path, body, header_auth=header_auth)  # a blind retry
    eprom_id = None
    if isinstance(answer, dict):
        eprom_id = answer.get("id") or answer.get("messageToCitizenId")
    with db() as connection:
        connection.execute(
            "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)",
            (reference, kind, json.dumps(body), status, json.dumps(answer), eprom_id, time.time()),
        )
    return status, answer


def order(args: argparse.Namespace) -> tuple[int, Any]:
    body: dict[str, Any] = {
        "formId": args.form_id,
        "nationalId": args.national_id,
        "expiryDate": args.expiry_date,
        "distributionRule": args.rule,
        "mustBeSigned": args.sign,
        "dontStoreCompletedFormInPha": args.dont_store,
    }
    if args.metadata is not None:
        metadata = json.loads(args.metadata)  # the system keeps it as an object …
        body["metadata"] = metadata if "metadata-object" in faults() else json.dumps(metadata)
    if args.signing_text:
        body["signingText"] = args.signing_text
    if args.on_behalf_of:
        body["onBehalfOfNationalId"] = args.on_behalf_of
    return send_once(args.reference, "formorder", "POST", "/api/v2/formorder", body)


def letter(args: argparse.Namespace) -> tuple[int, Any]:
    pdf = Path(args.pdf).read_bytes()
    body = {
        "nationalId": args.national_id,
        "senderInfo": {"organisationName": args.org_name, "organisationNr": args.org_nr},
        "messageInfo": {"title": args.title, "description": args.description},
        "documentCollection": {
            "mainDocument": {
                "title": args.title,
                "fileName": Path(args.pdf).name,
                "mimeType": "application/pdf",
                "content": base64.b64encode(pdf).decode(),
            },
            "attachments": [],
        },
        "notificationPriorityList": args.channels.split(","),
    }
    return send_once(args.reference, "letter", "POST", "/api/v2/messagetocitizen", body)


def sms(args: argparse.Namespace) -> tuple[int, Any]:
    body = {"apiKey": api_key(), "smsText": args.text, "nationalId": args.national_id}
    return send_once(args.reference, "sms", "POST", "/api/unsecuremessagesms", body,
                     header_auth=False)  # fmt: skip


def email(args: argparse.Namespace) -> tuple[int, Any]:
    body = {"apiKey": api_key(), "emailTitle": args.title, "emailText": args.text,
            "nationalId": args.national_id}  # fmt: skip
    return send_once(args.reference, "email", "POST", "/api/unsecuremessageemail", body,
                     header_auth=False)  # fmt: skip


def privacy_get(args: argparse.Namespace) -> tuple[int, Any]:
    body = {"nationalId": args.national_id, "type": args.type, "pvkId": args.pvk_id}
    return send_once(args.reference, "privacy-get", "POST", "/api/v2/getpersonverninnstilling",
                     body)  # fmt: skip


def privacy_set(args: argparse.Namespace) -> tuple[int, Any]:
    body = {"nationalId": args.national_id, "pvkId": args.pvk_id, "type": args.type,
            "status": args.status}  # fmt: skip
    return send_once(args.reference, "privacy-set", "POST", "/api/v2/setpersonverninnstilling",
                     body)  # fmt: skip


def download(signed_form_id: str) -> None:
    """Fetch a signed document and keep it (ePROM keeps it for at least 30 days)."""
    request = urllib.request.Request(f"{base_url()}/api/ExternalDocument/{signed_form_id}")
    request.add_header("authorization", _authorization())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            pdf = response.read()
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"ordering_system: download of {signed_form_id} failed: {exc}\n")
        return
    database = Path(os.environ.get("EXAMPLE_DB", "ordering_system.db"))
    folder = Path(os.environ.get("EXAMPLE_DOCUMENTS", database.parent / "signed-documents"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{signed_form_id}.pdf").write_bytes(pdf)
    with db() as connection:
        connection.execute(
            "INSERT OR IGNORE INTO documents VALUES (?, ?, ?)",
            (signed_form_id, len(pdf), time.time()),
        )


# --- the callback service --------------------------------------------------------------


def _enum(value: Any, names: list[str]) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return names[int(value)]
    return str(value)


_STATUSES = ["Completed", "Expired", "Ordered", "Error", "PhysicalMailReturned",
             "DigipostDelivered"]  # fmt: skip
_CHANNELS = ["None", "Helsenorge", "DigitalMailbox", "Unsecure", "PhysicalMailbox"]


def store_form_order(body: dict[str, Any]) -> bool:
    """Store a status or answer; False when it was stored before (a redelivery)."""
    order_id = str(body["formOrderId"]).lower()
    status = _enum(body.get("formOrderStatus"), _STATUSES)
    channel = _enum(body.get("notificationChannel", 0), _CHANNELS)
    with db() as connection:
        if "formData" in body or status not in ("Ordered", "Error"):
            signed = str(body.get("signedFormId") or NIL_GUID).lower()
            cursor = connection.execute(
                "INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (order_id, status, body.get("formData"), signed,
                 int(bool(body.get("isPatientInitiated"))), time.time()),
            )  # fmt: skip
            new = cursor.rowcount == 1
            if new and signed != NIL_GUID and "no-download" not in faults():
                threading.Thread(target=download, args=(signed,), daemon=True).start()
            return new
        cursor = connection.execute(
            "INSERT OR IGNORE INTO statuses VALUES (?, ?, ?, ?)",
            (order_id, status, channel, time.time()),
        )
        return cursor.rowcount == 1


def store_letter(body: dict[str, Any]) -> bool:
    with db() as connection:
        cursor = connection.execute(
            "INSERT OR IGNORE INTO letters VALUES (?, ?, ?, ?)",
            (str(body["messageToCitizenId"]).lower(), _enum(body.get("sentStatus"), ["Sent", "Error"]),
             _enum(body.get("notificationChannel", 0), _CHANNELS), time.time()),
        )  # fmt: skip
        return cursor.rowcount == 1


def store_privacy(body: dict[str, Any]) -> bool:
    with db() as connection:
        cursor = connection.execute(
            "INSERT OR IGNORE INTO privacy VALUES (?, ?, ?, ?)",
            (body.get("nationalId"), body.get("id"), body.get("status"), time.time()),
        )
        return cursor.rowcount == 1


class CallbackHandler(BaseHTTPRequestHandler):
    server_version = "example-ordering-system/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet; the callbacks are in the database

    def do_GET(self) -> None:  # a health check: eprom-verify calls it at start
        self._answer(200, {"service": "example ordering system", "healthy": True})

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._answer(400, {"success": False})
            return
        path = self.path.rstrip("/").lower()
        store = {"/api/promsformorder": store_form_order, "/api/messagetocitizen": store_letter,
                 "/api/personverninnstilling": store_privacy}.get(path)  # fmt: skip
        if path == "/api/messagetocitizen" and "letter-404" in faults():
            store = None
        if store is None:
            self._answer(404, {"success": False})
            return
        if path == "/api/personverninnstilling":
            key = self.headers.get("Authorization", "").removeprefix("Basic ").strip()
        else:
            key = str(body.get("apiKey", ""))
        if key != api_key():
            self._answer(401, {"success": False})
            return
        if "slow-ack" in faults():
            time.sleep(float(os.environ.get("EXAMPLE_SLOW_SECONDS", "2")))
        new = store(body)
        if not new and "redelivery-5xx" in faults():
            self._answer(500, {"success": False, "error": "already stored"})
            return
        is_status = path == "/api/promsformorder" and "formData" not in body and _enum(
            body.get("formOrderStatus"), _STATUSES) in ("Ordered", "Error")  # fmt: skip
        self._answer(200, {"success": not (is_status and "ack-false" in faults())})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def serve(args: argparse.Namespace) -> int:
    db().close()
    server = ThreadingHTTPServer((args.host, args.port), CallbackHandler)
    server.daemon_threads = True
    print(f"callback service on http://{args.host}:{server.server_port}", flush=True)  # noqa: T201
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


# --- command line ----------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ordering_system", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the callback service")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8770)
    s.set_defaults(func=serve)
    o = sub.add_parser("order", help="order a form")
    o.add_argument("--reference", required=True, help="our own id; never sent twice")
    o.add_argument("--national-id", required=True)
    o.add_argument("--form-id", required=True)
    o.add_argument("--rule", default="Basic")
    o.add_argument("--expiry-date", required=True)
    o.add_argument("--metadata", help="a JSON object")
    o.add_argument("--sign", action="store_true")
    o.add_argument("--signing-text")
    o.add_argument("--on-behalf-of")
    o.add_argument("--dont-store", action="store_true")
    o.set_defaults(func=order)
    lt = sub.add_parser("letter", help="send a letter (sensitive document)")
    lt.add_argument("--reference", required=True)
    lt.add_argument("--national-id", required=True)
    lt.add_argument("--pdf", required=True)
    lt.add_argument("--title", default="Brev fra registeret")
    lt.add_argument("--description", default="")
    lt.add_argument("--org-name", default="Eksempelregisteret")
    lt.add_argument("--org-nr", default="999999999")
    lt.add_argument("--channels", default="Helsenorge,DigitalMailbox")
    lt.set_defaults(func=letter)
    for name, func in (("sms", sms), ("email", email)):
        m = sub.add_parser(name, help=f"send an {name.upper()} (never sensitive)")
        m.add_argument("--reference", required=True)
        m.add_argument("--national-id", required=True)
        m.add_argument("--text", required=True)
        m.add_argument("--title", default="Melding fra registeret")
        m.set_defaults(func=func)
    for name, func in (("privacy-get", privacy_get), ("privacy-set", privacy_set)):
        pv = sub.add_parser(name, help="read or set a privacy setting")
        pv.add_argument("--reference", required=True)
        pv.add_argument("--national-id", required=True)
        pv.add_argument("--pvk-id", required=True)
        pv.add_argument("--type", default="Reservasjon")
        pv.add_argument("--status", default="Aktiv")
        pv.set_defaults(func=func)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result = args.func(args)
    if isinstance(result, int):
        return result
    status, answer = result
    print(json.dumps({"status": status, "answer": answer}, ensure_ascii=False))  # noqa: T201
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
