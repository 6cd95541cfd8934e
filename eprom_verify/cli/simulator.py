"""``eprom-verify simulator``: run the local ePROM in the foreground.

The main CLI wires it as ``add_arguments(subparser)`` and ``run(args)``; ``python -m
eprom_verify.simulator`` runs it on its own. Every option is also an ``EPROM_SIM_*``
environment variable and a key of the ``--config`` file (precedence: flag > environment >
file > default; see :data:`.settings.SIMULATOR_OPTIONS`). Exit codes (docs/exit-codes.md): 2
for a bad option, config file, ``--db`` file (not SQLite, a folder, unwritable) or a port in
use, and for a host beyond loopback without a control token (one line on stderr, before the
banner). On SIGTERM or SIGINT (Ctrl-C) uvicorn finishes the requests in flight and the
database is closed; then SIGTERM — how ``docker stop``, Kubernetes and systemd end a
service — is a normal end, exit 0 (as an ASP.NET host or uvicorn behind a process manager),
and SIGINT, a person interrupting at a terminal, is exit 2 like every other command.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import uvicorn

from eprom_verify._exceptions import UsageError
from eprom_verify.cli import interrupts
from eprom_verify.cli.exit_codes import ExitCode
from eprom_verify.config import ConfigError
from eprom_verify.config.settings import check_database
from eprom_verify.simulator.app import create_app, swagger_assets
from eprom_verify.simulator.openapi import published_text
from eprom_verify.simulator.server import SignalStop, bind, uvicorn_config
from eprom_verify.simulator.service import ACCESS_LOGGER, AccessFormatter
from eprom_verify.simulator.settings import (
    DEMO_SYSTEM,
    SIMULATOR_OPTIONS,
    ServiceOptions,
    SimulatorSettings,
    resolve_service,
)
from eprom_verify.simulator.workers import serve_workers

__all__ = ["add_arguments", "main", "run"]

_METAVARS = {
    "db": "FILE",
    "config": "FILE",
    "callback_url": "URL",
    "port": "PORT",
    "auto_complete": "SECONDS",
    "journal_size": "N",
    "workers": "N",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulator's options on ``parser`` (each defaults to None: see the precedence)."""
    for opt in SIMULATOR_OPTIONS:
        parser.add_argument(
            opt.flag,
            dest=opt.dest,
            default=None,
            metavar=_METAVARS.get(opt.dest, opt.dest.split("_")[-1].upper()),
            help=f"{opt.help} [${opt.env}]",
        )
    parser.add_argument(
        "--write-openapi",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the OpenAPI document the simulator serves to FILE and exit "
        "(the published copy is docs/eprom-openapi.json)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 2 with one line on stderr for bad input or a busy port."""
    if getattr(args, "write_openapi", None) is not None:
        return _write_openapi(args.write_openapi)
    stop = SignalStop()  # a signal at any line from here on ends the server cleanly
    with interrupts.deferred(stop):
        return _serve(args, stop)


def _serve(args: argparse.Namespace, stop: SignalStop) -> int:
    given = {opt.dest: getattr(args, opt.dest, None) for opt in SIMULATOR_OPTIONS}
    try:
        db = given.get("db") or os.environ.get("EPROM_SIM_DB")
        if db:  # before the config is read: a non-SQLite file is not opened as one
            check_database(Path(db))
        settings, service = resolve_service(given)
        if service.db is not None:
            check_database(service.db)
        sock = bind(service.host, service.port)
    except (ConfigError, UsageError) as exc:
        sys.stderr.write(f"eprom-verify simulator: {exc}\n")
        return 2
    if stop.requested:  # while the options were checked: nothing announced, nothing served
        sock.close()
        return _stopped(started=False)
    try:
        port = sock.getsockname()[1]
        # listen before the banner: a client that reads the banner and connects at once is
        # queued until uvicorn accepts, not refused (uvicorn's own listen() is then a no-op)
        sock.listen(2048)
        _log_to_stdout(service.log_format)
        _print_banner(settings, service, port)
        if service.workers > 1:  # N processes on this socket and one database
            code = serve_workers(settings, sock, service.workers, stop)
            if code:
                return code
        else:
            stop.serve(uvicorn.Server(uvicorn_config(create_app(settings))), sock)
    except KeyboardInterrupt:  # only from a wait the stop may wake (the supervisor's)
        pass
    finally:
        sock.close()
    return _stopped(started=True)


def _stopped(*, started: bool) -> int:
    """The end of a server a signal stopped: SIGTERM exit 0, SIGINT exit 2; exit 2 for
    either before the banner (nothing was served: docs/exit-codes.md)."""
    name = interrupts.stopped_by() or "SIGINT"
    if not started:
        sys.stderr.write(f"eprom-verify simulator: stopped by {name} before it started\n")
        return ExitCode.INTERRUPTED
    if name == "SIGTERM":  # a service manager's stop: the normal end of a service
        sys.stderr.write("eprom-verify simulator: stopped by SIGTERM, shut down cleanly\n")
        return ExitCode.OK
    sys.stderr.write(f"eprom-verify simulator: stopped by {name}\n")
    return ExitCode.INTERRUPTED


def _log_to_stdout(form: str) -> None:
    """One access-log line per request on stdout, as text or JSON; ``off``: none (the line
    costs about a tenth of a form order's CPU: a load test may not want it)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if form == "off":
        logger.handlers[:] = []
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(AccessFormatter(form))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _write_openapi(path: Path) -> int:
    """The served document, in the published form, to ``path`` (it does not depend on config)."""
    try:
        path.write_text(published_text(create_app(SimulatorSettings()).openapi()), encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"eprom-verify simulator: cannot write {path}: {exc.strerror}\n")
        return 2
    sys.stdout.write(f"wrote the OpenAPI document to {path}\n")
    return 0


def shown_root(host: str, port: int) -> str:
    """The URL a person on this machine opens (a wildcard address is shown as loopback)."""
    if host in ("0.0.0.0", ""):  # noqa: S104 - only displayed
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _print_banner(settings: SimulatorSettings, service: ServiceOptions, port: int) -> None:
    root = shown_root(service.host, port)
    swagger = "" if swagger_assets() else " (needs internet: install swagger-ui-bundle-v2)"
    token = (
        "needs 'Authorization: Bearer <control token>'"
        if settings.control_token
        else "no token needed on loopback"
    )
    listening = ""
    if service.host in ("0.0.0.0", "::", ""):  # noqa: S104 - only displayed
        listening = f" (listening on {service.host}: all interfaces)"
    elif not service.loopback:
        listening = f" (listening on {service.host})"
    lines = [
        f"ePROM simulator: promsApiBaseUrl {root}/promswebapi{listening}",
        f"  Swagger UI {root}/swagger{swagger} · OpenAPI {root}/openapi.json",
        f"  control API {root}/_simulator — {token}",
        f"  health {root}/_simulator/health · request journal {root}/_simulator/requests",
        f"  database: {service.db or 'temporary (use --db FILE to keep it)'}",
    ]
    if service.workers > 1:
        lines.append(f"  workers: {service.workers} processes sharing the port and the database")
    for system in settings.ordering_systems:
        lines.append(
            f"  ordering system {system.name!r}: callbacks to {system.callback_base_url}/api/…"
        )
        if system.name == DEMO_SYSTEM and system.api_key.startswith("demo-"):
            # the generated demo key is the one secret the simulator ever prints
            lines.append(f"    apiKey {system.api_key}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eprom-verify simulator", description=__doc__)
    add_arguments(parser)
    with interrupts.handled():
        try:
            return run(parser.parse_args(argv))
        except KeyboardInterrupt:  # while the options were read, before run() defers signals
            return _stopped(started=False)
