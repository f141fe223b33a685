"""`POST …/pledges` and `POST …/volunteers` answered in front of the app: they are the service's
hot path, and FastAPI's routing, dependency solving and middleware layers cost more than the
signup itself (docs/benchmarks.md, the intake). The work is the routes' own (`Acceptance`, with
the same models); only the way there is shorter.

Only a request sure to be answered as the app would is taken here: a JSON body of a truthful
Content-Length within the limit, no query, no header twice, no cross-origin `Origin` (the
widget's calls, which CORS checks), a body the route's model accepts. Anything else goes on to
the app before anything has happened, with the body read replayed, and the app's middleware and
routes (routes/signups.py, also what OpenAPI documents) answer it as ever. What this answers
carries the headers those layers would add (`Vary: Origin`; gzip past its threshold) and is
counted in the same metrics."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Mapping

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from mobilise_runtime import control_characters
from mobilise_runtime.compression import LEVEL, MINIMUM_BYTES
from mobilise_runtime.error_responses import refusal
from mobilise_runtime.limits import replaying
from mobilise_runtime.metrics import RequestSeries
from signup.bootstrap import SignupServices
from signup.cors import origin_of, same_origin
from signup.domain.clients import client_address
from signup.routes.signups import Acceptance
from signup.schemas.signups import PledgeIn, SignupAccepted, VolunteerIn

PREFIX = "/api/v1/campaigns/"
MODELS: Mapping[str, type[PledgeIn]] = {"pledges": PledgeIn, "volunteers": VolunteerIn}
ROUTES = {kind: PREFIX + "{slug}/" + kind for kind in MODELS}
JSON = b"application/json"


class IntakeFront:
    def __init__(self, app: ASGIApp, *, services: SignupServices, service: str) -> None:
        self.app = app
        self._services = services
        self._max_bytes = services.settings.max_body_bytes
        self._own_origin = origin_of(services.settings.public_url)
        self._requests = RequestSeries(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["query_string"]:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        slug, _, kind = path.removeprefix(PREFIX).partition("/")
        model = MODELS.get(kind) if path.startswith(PREFIX) and slug else None
        headers = dict(scope["headers"])
        # A header sent twice: the layers behind disagree on which one counts (the middleware
        # read the last, the route the first), so they answer it themselves.
        twice = len(headers) != len(scope["headers"])
        if model is None or twice or not self._plain(path, headers):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        body, complete = await _body(receive)
        if not complete:
            return  # the client went away before its body was in: nothing to answer
        try:
            signup = (
                None if control_characters.in_json(body) else model.model_validate(json.loads(body))
            )
        except (ValueError, ValidationError):  # JSON that is no pledge: the app's 422
            signup = None
        if signup is None:
            await self.app(scope, replaying(body, receive), send)
            return
        services = self._services
        client = client_address(
            scope["client"][0] if scope.get("client") else None,
            headers.get(b"x-forwarded-for", b"").decode("latin-1") or None,
            services.settings.trusted_networks,
        )
        accept = Acceptance(slug, services.stores.repository, services.intake, client, None)
        try:
            accepted = await accept(signup)
        except Exception as exc:
            refused = refusal(exc)
            if refused is None:
                raise  # a fault of ours: the app's 500, as from the route
            status, answer, extra = refused.status, refused.body(), refused.headers()
        else:
            await _respond_accepted(send, accepted)
            self._requests.record("POST", ROUTES[kind], 202, started)
            return
        await _respond(
            send, status, answer, extra, gzip_ok=b"gzip" in headers.get(b"accept-encoding", b"")
        )
        self._requests.record("POST", ROUTES[kind], status, started)

    def _plain(self, path: str, headers: Mapping[bytes, bytes]) -> bool:
        """Whether no middleware of the app would do more than add its headers to the answer:
        a JSON body within the limit (BodyLimit), no cross-origin call (PartnerCors)."""
        length = headers.get(b"content-length", b"")
        content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        origin = headers.get(b"origin")
        return (
            length.isdigit()
            and int(length) <= self._max_bytes
            and content_type == JSON
            and not control_characters.in_text(path)
            and (
                origin is None
                or same_origin(
                    origin.decode("latin-1"),
                    headers.get(b"host", b"").decode("latin-1"),
                    self._own_origin,
                )
            )
        )


async def _body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


# The 202's answer, byte for byte what `_respond` writes for it (json.dumps of a UUID and a
# status word: nothing to escape; under gzip's threshold), without json.dumps on the hot path.
_ACCEPTED = b'{"id":"%s","status":"%s"}'
_ACCEPTED_HEADERS = [(b"content-type", JSON), (b"vary", b"Origin")]


async def _respond_accepted(send: Send, accepted: SignupAccepted) -> None:
    body = _ACCEPTED % (str(accepted.id).encode(), accepted.status.encode())
    headers = [(b"content-length", str(len(body)).encode()), *_ACCEPTED_HEADERS]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _respond(
    send: Send, status: int, answer: object, extra: Mapping[str, str], *, gzip_ok: bool
) -> None:
    """The JSON answer as the app writes it (Starlette's JSONResponse), with the headers its
    middleware would add: PartnerCors' `Vary: Origin`, GZipMiddleware's compression of a large
    answer for a client that takes it."""
    body = json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()
    ]
    vary = b"Origin"
    if gzip_ok and len(body) >= MINIMUM_BYTES:
        body = gzip.compress(body, compresslevel=LEVEL)
        headers.append((b"content-encoding", b"gzip"))
        vary = b"Origin, Accept-Encoding"
    headers += [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", JSON),
        (b"vary", vary),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
