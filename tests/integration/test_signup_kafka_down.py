"""Kafka stopped → no 2xx: a signup is accepted only once its event is durably in Kafka.

The test runs its own single-node broker (its own state directory and ports), so stopping it
disturbs no other test; FerretDB is the shared one."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from devstack.config import StackConfig
from devstack.harness.isolation import shared_settings
from devstack.harness.processes import free_port
from devstack.harness.signup import signup_api
from devstack.stack import down, up
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from signup.adapters.publisher import RETRY_AFTER_S
from tests.kafka_reader import end_offsets, read_events

PUBLISH_TIMEOUT_S = 2
PLEDGE: dict[str, Any] = {
    "email": "awa.diop@example.org",
    "first_name": "Awa",
    "country": "SN",
    "locale": "fr",
    "newsletter_opt_in": True,
}


async def _accepted_again(
    client: httpx.AsyncClient, url: str, body: dict[str, Any]
) -> httpx.Response:
    """Pledge until one is accepted (the producer reconnects on its own), for at most 90 s."""
    deadline = time.monotonic() + 90
    answers: list[int] = []
    while time.monotonic() < deadline:
        response = await client.post(url, json=body)
        answers.append(response.status_code)
        if response.status_code == 202:
            return response
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.5)
    raise AssertionError(f"no 202 within 90 s after the broker came back: {answers}")


async def test_kafka_stopped_means_503_never_2xx_and_recovery(
    stack: StackConfig, tmp_path: Path, unique: str, database: ServiceDatabase
) -> None:
    cfg = replace(stack, state=tmp_path, kafka_port=free_port(), kafka_controller_port=free_port())
    prefix = f"t{unique}."
    topic = prefix + PledgeSigned.topic
    shared = shared_settings(stack, prefix, kafka=cfg.kafka_bootstrap)
    try:
        # devstack's readiness check runs its own event loop: keep it off this one.
        await asyncio.to_thread(up, cfg, ["kafka"])
        await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
        with signup_api(
            shared,
            database.db.name,  # the conftest drops it afterwards
            SIGNUP_PUBLISH_TIMEOUT_S=str(PUBLISH_TIMEOUT_S),
        ) as signup:
            campaign = signup.create_campaign()
            url = f"/api/v1/campaigns/{campaign['slug']}/pledges"
            body = {**PLEDGE, "consent_text_version": campaign["consent"]["version"]}
            async with httpx.AsyncClient(base_url=signup.url, timeout=30) as client:
                before = await client.post(url, json=body)
                assert before.status_code == 202, before.text
                accepted = [before.json()["id"]]

                await asyncio.to_thread(down, cfg, ["kafka"])
                for attempt in range(3):
                    started = time.monotonic()
                    refused = await client.post(url, json={**body, "first_name": f"Down{attempt}"})
                    elapsed = time.monotonic() - started
                    assert refused.status_code == 503, refused.text
                    assert refused.headers["Retry-After"] == str(RETRY_AFTER_S)
                    assert refused.headers["content-type"] == "application/json"
                    assert refused.json() == {
                        "detail": "signups are paused for a moment and yours may not have been "
                        "recorded; please try again (a repeat counts once)"
                    }
                    # Told within the publish timeout plus the request's own work (room left for a
                    # busy machine: without the timeout, aiokafka's own would take 40 s).
                    assert elapsed < PUBLISH_TIMEOUT_S + 10, elapsed
                ready = await client.get("/readyz")
                assert ready.status_code == 503, ready.text
                assert ready.json()["checks"]["kafka"] != "ok"
                assert ready.json()["checks"]["mongo"] == "ok"

                await asyncio.to_thread(up, cfg, ["kafka"])
                after = await _accepted_again(client, url, {**body, "first_name": "Back"})
                accepted.append(after.json()["id"])

        # Every 202 is in the topic, once. A 503 promises nothing either way: the producer still
        # delivers what it held if the broker is back within its request timeout.
        total = sum((await end_offsets(cfg.kafka_bootstrap, topic)).values())
        events = [
            e
            for e in await read_events(cfg.kafka_bootstrap, topic, prefix, count=total)
            if isinstance(e, PledgeSigned)
        ]
        assert len(events) == total
        by_id = {str(e.signup_id): e.first_name for e in events}
        assert len(by_id) == total, "an event was written twice"
        assert [by_id.get(i) for i in accepted] == ["Awa", "Back"], by_id
        assert set(by_id.values()) <= {"Awa", "Back"} | {f"Down{n}" for n in range(3)}, by_id
    finally:
        await asyncio.to_thread(down, cfg, ["kafka"])
