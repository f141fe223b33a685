"""The intake's front (signup/presentation/intake_front.py) answers exactly as the app's routes
and middleware would: the same requests, to one app with the front and one without it (same
settings, the real Kafka, FerretDB and Redis), get the same status, headers and JSON; and the
requests it is meant to take never reach the app behind it."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack.harness.signup import ADMIN_TOKEN, campaign_body, pledge_body, signup_env
from mobilise_runtime.settings import SharedSettings
from signup.entrypoints.api import create_app
from signup.presentation.intake_front import IntakeFront
from signup.settings import Settings

ORIGIN = "http://127.0.0.1:8000"  # the service's own (SIGNUP_PUBLIC_URL below)


class Apps:
    def __init__(self, fronted: FastAPI, plain: FastAPI) -> None:
        self.fronted = fronted
        self.plain = plain
        self.behind_front: list[str] = []  # paths the front passed on to the app

    def client(self, app: FastAPI) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


@pytest.fixture
async def apps(
    shared_settings: SharedSettings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Apps]:
    env = signup_env(shared_settings, f"front_{unique}", 8000, Fernet.generate_key().decode())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fronted, plain = create_app(Settings()), create_app(Settings())
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not IntakeFront]  # type: ignore[comparison-overlap]
    apps = Apps(fronted, plain)
    async with AsyncExitStack() as stack:
        for app in (fronted, plain):
            await stack.enter_async_context(app.router.lifespan_context(app))
        fronted.middleware_stack = fronted.build_middleware_stack()
        front = _front_of(fronted.middleware_stack)
        front.app = _recording(front.app, apps.behind_front)
        yield apps


def _front_of(stack: ASGIApp) -> IntakeFront:
    layer: Any = stack
    while not isinstance(layer, IntakeFront):
        layer = layer.app
    return layer


def _recording(app: ASGIApp, paths: list[str]) -> ASGIApp:
    async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            paths.append(scope["path"])
        await app(scope, receive, send)

    return recorded


async def _campaign(c: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    version = f"v-{uuid.uuid4().hex[:8]}"
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    text = {"fr": "J'accepte.", "en": "I agree."}
    consent = {"version": version, "text": text}
    (await c.post("/api/v1/consent-texts", json=consent, headers=auth)).raise_for_status()
    response = await c.post(
        "/api/v1/campaigns", json=campaign_body(version, **fields), headers=auth
    )
    response.raise_for_status()
    campaign: dict[str, Any] = response.json()
    return campaign


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], Any]:
    """Status, headers and JSON, with what differs by nature from one answer to the next made
    equal: a signup's id, a challenge's token, the seconds to wait (they tick)."""
    body = response.json()
    if isinstance(body, dict):
        body = {**body, **({"id": "<id>"} if "id" in body else {})}
        if "challenge" in body:
            body["challenge"] = {**body["challenge"], "token": "<token>"}
        if response.status_code == 429:
            body["detail"] = re.sub(r"\d+", "N", body["detail"])
    headers = [
        (name, "N" if name == "retry-after" and response.status_code == 429 else value)
        for name, value in response.headers.multi_items()
    ]
    return response.status_code, sorted(headers), body


# (name, the request's arguments given a pledge campaign, a volunteer campaign and the case's
# number, whether the front takes it itself)
Request = Callable[[dict[str, Any], dict[str, Any], int], dict[str, Any]]
JSON_TYPE = {"Content-Type": "application/json"}


def _pledge(p: dict[str, Any], n: int, **fields: Any) -> dict[str, Any]:
    """Case `n`'s pledge to `p`: each case its own supporter, the same for both apps (a refusal
    shows the input it refuses)."""
    body = pledge_body(p["consent"]["version"], email=f"case-{n}@example.org")
    return {"url": f"/api/v1/campaigns/{p['slug']}/pledges", "json": {**body, **fields}}


def _volunteer(v: dict[str, Any]) -> dict[str, Any]:
    body = pledge_body(v["consent"]["version"], skills=["mentoring"], availability="more")
    return {"url": f"/api/v1/campaigns/{v['slug']}/volunteers", "json": body}


CASES: list[tuple[str, Request, bool]] = [
    ("a pledge", lambda p, v, n: _pledge(p, n), True),
    ("a volunteer", lambda p, v, n: _volunteer(v), True),
    ("from our own page", lambda p, v, n: _pledge(p, n) | {"headers": {"Origin": ORIGIN}}, True),
    (
        "gzip accepted",
        lambda p, v, n: _pledge(p, n) | {"headers": {"Accept-Encoding": "gzip"}},
        True,
    ),
    ("a honeypot", lambda p, v, n: _pledge(p, n, fax="robot"), True),
    ("a country not covered", lambda p, v, n: _pledge(p, n, country="SN"), True),
    ("a consent not offered", lambda p, v, n: _pledge(p, n, consent_text_version="nope"), True),
    ("a partner not of it", lambda p, v, n: _pledge(p, n, partner="nobody"), True),
    ("pledge to a volunteer campaign", lambda p, v, n: _pledge(v, n), True),
    ("no such campaign", lambda p, v, n: _pledge({**p, "slug": "no-such-one"}, n), True),
    ("a bad email", lambda p, v, n: _pledge(p, n, email="nope"), False),
    ("an unknown field", lambda p, v, n: _pledge(p, n, shoe_size=42), False),
    ("a missing field", lambda p, v, n: _pledge(p, n, first_name=None), False),
    (
        "not JSON",
        lambda p, v, n: {"url": _pledge(p, n)["url"], "content": b"{", "headers": JSON_TYPE},
        False,
    ),
    (
        "a control character",
        lambda p, v, n: _pledge(p, n, first_name="A\u0007wa"),
        False,
    ),
    ("JSON as text", lambda p, v, n: _as_text(_pledge(p, n)), False),
    (
        "a foreign origin",
        lambda p, v, n: _pledge(p, n) | {"headers": {"Origin": "http://x.example"}},
        False,
    ),
    (
        "X-Forwarded-For twice",
        lambda p, v, n: _pledge(p, n) | {"headers": [("X-Forwarded-For", "192.0.2.9")]},
        False,
    ),
    (
        "a partner in the query",
        lambda p, v, n: _pledge(p, n) | {"params": {"partner": "nope"}},
        False,
    ),
]


def _as_text(request: dict[str, Any]) -> dict[str, Any]:
    content = json.dumps(request.pop("json")).encode()
    return {**request, "content": content, "headers": {"Content-Type": "text/plain"}}


async def test_the_front_answers_each_request_as_the_app_would(apps: Apps) -> None:
    async with apps.client(apps.fronted) as fronted, apps.client(apps.plain) as plain:
        p = await _campaign(plain, countries=["FR"])
        v = await _campaign(plain, kind="volunteer")
        for n, (name, make, taken) in enumerate(CASES):
            answers = []
            for c, network in ((fronted, "198.51.100"), (plain, "203.0.113")):
                request = make(p, v, n)
                forwarded = {"X-Forwarded-For": f"{network}.{n}"}
                given = request.get("headers", {})
                if isinstance(given, list):  # a header twice
                    request["headers"] = [*given, *forwarded.items()]
                else:
                    request["headers"] = {**given, **forwarded}
                answers.append(_answer(await c.post(**request)))
            assert answers[0] == answers[1], name
            assert answers[0][0] < 500, name
            passed_on = bool(apps.behind_front)
            assert passed_on is not taken, f"{name}: {apps.behind_front}"
            apps.behind_front.clear()


async def test_the_limits_refuse_through_the_front_as_through_the_app(apps: Apps) -> None:
    """Past the address's soft threshold a proof of work is asked (428), past the supporter's
    hard one the signup is refused (429): the same answers, each with nothing published."""
    async with apps.client(apps.fronted) as fronted, apps.client(apps.plain) as plain:
        limits = {"address": {"soft": 1, "hard": 50, "per_hour": 50}}
        campaign = await _campaign(plain, limits=limits)
        answers = []
        for c, network in ((fronted, "198.51.100"), (plain, "203.0.113")):
            from_one = {"X-Forwarded-For": f"{network}.1"}
            first = await c.post(**_pledge(campaign, 1), headers=from_one)
            second = await c.post(**_pledge(campaign, 2), headers=from_one)
            email = {"email": f"{network}@example.org"}
            same_supporter = [
                await c.post(
                    **_pledge(campaign, 3, **email),
                    headers={"X-Forwarded-For": f"{network}.{n + 10}"},
                )
                for n in range(6)
            ]
            answers.append([_answer(first), _answer(second), *map(_answer, same_supporter)])
        by_front, by_app = answers
        assert [status for status, _, _ in by_front] == [202, 428, 202, 202, 202, 202, 202, 429]
        assert by_front == by_app
    assert not apps.behind_front
