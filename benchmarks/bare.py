"""The floor peer: a bare FastAPI app on the simulator's own uvicorn settings.

``python -m benchmarks.bare --port 0`` serves one route, ``POST
/promswebapi/api/v2/formorder``, that reads the body as the contract's ``FormOrderRequest``
(pydantic validation, as FastAPI does for any typed body) and answers a fixed JSON object —
no key check, no store, no callback. It runs on :func:`eprom_verify.simulator.server.bind`
and :func:`~eprom_verify.simulator.server.uvicorn_config`, so the server, the event loop and
the HTTP parser are the simulator's: what the simulator costs beyond it is its own work.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

from eprom_verify.contract import FormOrderRequest
from eprom_verify.simulator.server import bind, uvicorn_config

__all__ = ["create_bare_app", "main"]

_ANSWER = (
    b'{"id":"00000000-0000-0000-0000-000000000000","notificationChannel":"Helsenorge",'
    b'"singleUseCode":null,"loginUrl":null}'
)


def create_bare_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/promswebapi/api/v2/formorder")
    async def form_order(body: FormOrderRequest) -> Response:
        return Response(_ANSWER, media_type="application/json")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sock = bind(args.host, args.port)
    server = uvicorn.Server(uvicorn_config(create_bare_app()))
    sys.stdout.write(f"listening on {args.host}:{sock.getsockname()[1]}\n")
    sys.stdout.flush()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
