"""``eprom-verify simulator``: run the local ePROM in the foreground.

The main CLI wires it as ``add_arguments(subparser)`` and ``run(args)``; ``python -m
eprom_verify.simulator`` runs it on its own. Exit codes (docs/exit-codes.md): 2 for
a bad config file, ``--db`` file or a port in use (one line on stderr, before the banner),
and 2 after a clean stop on SIGINT (Ctrl-C) or SIGTERM: uvicorn finishes the requests in
flight and the database is closed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from eprom_verify import interrupts
from eprom_verify._exceptions import UsageError
from eprom_verify.config import ConfigError
from eprom_verify.exit_codes import ExitCode
from eprom_verify.settings import check_database, check_port

from .app import create_app, swagger_assets
from .openapi import published_text
from .server import bind, uvicorn_config
from .settings import DEFAULT_CALLBACK_URL, SimulatorSettings, load_settings

__all__ = ["add_arguments", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulator's options on ``parser``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="FILE",
        help="SQLite file to keep orders and pending callbacks in across restarts "
        "(default: a temporary database, gone when the simulator stops)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="YAML file: orderingSystems, patientsFile, formsFile, faults, autoComplete, "
        "callbackDelaySeconds, retry (default: fixtures/ and one demo ordering system)",
    )
    parser.add_argument(
        "--callback-url",
        default=None,
        metavar="URL",
        help=f"callback base URL of the demo ordering system (default {DEFAULT_CALLBACK_URL})",
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
    """Serve until interrupted; 2 with one line on stderr for a bad config or a busy port."""
    if getattr(args, "write_openapi", None) is not None:
        return _write_openapi(args.write_openapi)
    try:
        if args.db is not None:
            check_database(args.db)
        settings = load_settings(args.config, callback_url=args.callback_url, db_path=args.db)
        sock = bind(args.host, check_port(args.port, "--port"))
    except (ConfigError, UsageError) as exc:
        sys.stderr.write(f"eprom-verify simulator: {exc}\n")
        return 2
    port = sock.getsockname()[1]
    _print_banner(settings, args, port)
    server = uvicorn.Server(uvicorn_config(create_app(settings)))
    try:
        server.run(sockets=[sock])  # uvicorn stops cleanly, then re-raises the signal
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    name = interrupts.stopped_by() or "SIGINT"
    sys.stderr.write(f"eprom-verify simulator: stopped by {name}\n")
    return ExitCode.INTERRUPTED


def _write_openapi(path: Path) -> int:
    """The served document, in the published form, to ``path`` (it does not depend on config)."""
    try:
        path.write_text(published_text(create_app(SimulatorSettings()).openapi()), encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"eprom-verify simulator: cannot write {path}: {exc.strerror}\n")
        return 2
    sys.stdout.write(f"wrote the OpenAPI document to {path}\n")
    return 0


def _print_banner(settings: SimulatorSettings, args: argparse.Namespace, port: int) -> None:
    host = f"[{args.host}]" if ":" in args.host else args.host
    root = f"http://{host}:{port}"
    swagger = "" if swagger_assets() else " (needs internet: install swagger-ui-bundle-v2)"
    lines = [
        f"ePROM simulator: promsApiBaseUrl {root}/promswebapi",
        f"  Swagger UI {root}/swagger{swagger} · control API {root}/_simulator",
        f"  database: {args.db or 'temporary (use --db FILE to keep it)'}",
    ]
    for system in settings.ordering_systems:
        lines.append(
            f"  ordering system {system.name!r}: callbacks to {system.callback_base_url}/api/…"
        )
        if system.name == "demo" and system.api_key.startswith("demo-"):
            # the generated demo key is the one secret the simulator ever prints
            lines.append(f"    apiKey {system.api_key}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eprom-verify simulator", description=__doc__)
    add_arguments(parser)
    with interrupts.handled():
        return run(parser.parse_args(argv))
