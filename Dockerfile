# The eprom-verify ePROM simulator as a service container. Docs: docs/container.md.
# (Dockerfile is an identical copy for `docker build .`; tests/simulator/test_service_container.py
# keeps the two the same.)
#
#   docker build -t eprom-verify-simulator .
#   docker run --rm -p 8765:8765 -e EPROM_SIM_CONTROL_TOKEN=… -e EPROM_SIM_API_KEY=… \
#     eprom-verify-simulator
#
# BASE: any Debian-based image with python3 (3.11 or later) and its venv module. CI builds FROM
# a Debian bookworm made with debootstrap (python3, python3-venv) and installs from wheels it
# built itself: PACKAGE=eprom-verify, PIP_INSTALL_ARGS="--no-index --find-links /wheels".
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
# what to install (default: this source tree) and extra pip options (e.g. an offline wheelhouse)
ARG PACKAGE=/src
ARG PIP_INSTALL_ARGS=
WORKDIR /src
COPY pyproject.toml README.md ./
COPY eprom_verify ./eprom_verify
COPY fixtures ./fixtures
COPY suites ./suites
RUN python3 -m venv /opt/eprom-verify \
 && /opt/eprom-verify/bin/python -m pip install --no-cache-dir --disable-pip-version-check \
      ${PIP_INSTALL_ARGS} "${PACKAGE}" \
 && /opt/eprom-verify/bin/eprom-verify --version

FROM ${BASE}
# a user without a login or a password; numeric so Kubernetes' runAsNonRoot can check it
RUN useradd --uid 10001 --user-group --home-dir /var/lib/eprom-verify --create-home \
      --shell /usr/sbin/nologin eprom
COPY --from=build /opt/eprom-verify /opt/eprom-verify
# Every option of `eprom-verify simulator` is an EPROM_SIM_* variable (docs/simulator.md).
# Listening on all interfaces needs EPROM_SIM_CONTROL_TOKEN: without one it refuses to start.
ENV PATH=/opt/eprom-verify/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EPROM_SIM_HOST=0.0.0.0 \
    EPROM_SIM_PORT=8765 \
    EPROM_SIM_DB=/var/lib/eprom-verify/simulator.sqlite3 \
    EPROM_SIM_WORKERS=1
USER 10001:10001
WORKDIR /var/lib/eprom-verify
EXPOSE 8765
# no curl in a slim image: Python asks the health endpoint (200 ready, 503 not ready)
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["python3", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/_simulator/health' % os.environ.get('EPROM_SIM_PORT', '8765'); sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]
ENTRYPOINT ["eprom-verify", "simulator"]
