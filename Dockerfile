# The image of one mobilise service, the same recipe for all four. Build context: the repository root.
#   docker build --build-arg SERVICE=signup --build-arg SETTINGS=SIGNUP \
#     --build-arg API=signup-api --build-arg PORT=8000 -t mobilise-signup .
# docker-compose.yml names the arguments of each image (signup, counter, mailer, console). The API
# is the default process; the consumers and workers run from their service's image with another
# command (compose `command:`, deploy/k8s `command`).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder

# The service's folder under services/.
ARG SERVICE

ENV PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY requirements/runtime.txt requirements/runtime.txt
COPY packages/events packages/events
COPY packages/runtime packages/runtime
COPY services/${SERVICE} services/${SERVICE}

# The catalogs are compiled here, as `make catalogs` does (the .mo files are not committed).
RUN pip install --no-cache-dir -c requirements/runtime.txt babel \
    && pybabel -q compile -D mobilise -d packages/runtime/src/mobilise_runtime/locale
# Only this service's packages; requirements/runtime.txt fixes the version of every third-party one.
RUN pip install --no-cache-dir -c requirements/runtime.txt \
        ./packages/events ./packages/runtime "./services/${SERVICE}"


FROM ${PYTHON_IMAGE}

# A numeric UID so that orchestrators enforcing "run as non-root" can verify it.
RUN groupadd --system --gid 10001 mobilise \
    && useradd --system --uid 10001 --gid mobilise --home-dir /home/mobilise --create-home \
        --shell /usr/sbin/nologin mobilise

# The prefix of the service's settings (SIGNUP: SIGNUP_HOST, SIGNUP_PORT), its API's console
# script and the port that API listens on.
ARG SETTINGS
ARG API
ARG PORT

# After the RUN: hadolint hands ENV names to shellcheck, which cannot read ${SETTINGS}_HOST.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    ${SETTINGS}_HOST=0.0.0.0 \
    ${SETTINGS}_PORT=${PORT} \
    MOBILISE_API=${API} \
    MOBILISE_API_PORT_VARIABLE=${SETTINGS}_PORT

COPY --from=builder /opt/venv /opt/venv

USER 10001:10001
WORKDIR /home/mobilise

EXPOSE ${PORT}

# The port is read when the check runs: a container started with another *_PORT is checked there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ[os.environ['MOBILISE_API_PORT_VARIABLE']], timeout=3)"]

# Exec form through sh: an ARG does not reach CMD, the environment does.
CMD ["sh", "-c", "exec \"$MOBILISE_API\""]
