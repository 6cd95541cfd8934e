"""``python -m examples.reference_receiver --port 8766 --api-key KEY``."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from .app import make_app

KEY_ENV_VAR = "EPROM_RECEIVER_API_KEY"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.reference_receiver",
        description="Run the reference ePROM callback receiver.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8766, help="port to listen on")
    parser.add_argument(
        "--api-key",
        default=os.environ.get(KEY_ENV_VAR),
        help=f"the key ePROM sends (default: ${KEY_ENV_VAR}; the variable keeps it out of ps)",
    )
    parser.add_argument(
        "--db", default="reference-receiver.sqlite3", help="SQLite file for received callbacks"
    )
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error(f"give the API key with --api-key or ${KEY_ENV_VAR}")
    print(
        f"reference receiver on http://{args.host}:{args.port} "
        f"(ApiBaseUrl; callbacks stored in {args.db})",
        file=sys.stderr,
    )
    uvicorn.run(
        make_app(args.api_key, args.db),
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
