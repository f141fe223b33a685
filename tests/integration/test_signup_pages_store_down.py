"""The store stopped under signup-api: a supporter's page (the campaign page, its form's post, the
thank-you page, the partner's embedded form) is a 503 page in their language saying to try again,
with Retry-After, as when Kafka does not answer; the JSON API stays a JSON 503.

The test runs its own FerretDB (its own state directory and ports), so stopping it disturbs no
other test; Kafka and Redis are the shared ones."""

from __future__ import annotations

import asyncio
import html
from dataclasses import replace
from pathlib import Path

import httpx

from devstack.config import StackConfig
from devstack.harness.isolation import shared_settings
from devstack.harness.processes import free_port
from devstack.harness.signup import signup_api
from devstack.stack import down, up
from mobilise_runtime.catalogs import wording
from mobilise_runtime.errors import STORE_RETRY_AFTER_S
from mobilise_runtime.locales import Locale
from signup.presentation import wording as words

FORM = {"email": "awa.diop@example.org", "first_name": "Awa", "country": "SN"}


def retry_page(response: httpx.Response, locale: Locale) -> None:
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == 503, f"{where}: {response.status_code} {response.text[:400]}"
    assert response.headers["content-type"].startswith("text/html"), where
    assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER_S), where
    assert f'<html lang="{locale}"' in response.text, where
    said = wording(locale).gettext(words.UNAVAILABLE)
    assert said != words.UNAVAILABLE or locale == "en"
    assert said in html.unescape(response.text), f"{where}: {response.text[:1500]}"


async def test_pages_of_a_stopped_store_say_to_try_again_in_the_readers_language(
    stack: StackConfig, tmp_path: Path, unique: str
) -> None:
    cfg = replace(
        stack,
        state=tmp_path,
        store="sqlite",
        mongo_port=free_port(),
        ferretdb_debug_port=free_port(),
    )
    try:
        # devstack's readiness check runs its own event loop: keep it off this one.
        await asyncio.to_thread(up, cfg, ["ferretdb"])
        shared = shared_settings(stack, f"t{unique}.").model_copy(
            update={"mongo_url": cfg.mongo_url}
        )
        with signup_api(shared, f"signup_{unique}") as signup:
            seen, unseen = signup.create_campaign()["slug"], signup.create_campaign()["slug"]
            async with httpx.AsyncClient(base_url=signup.url, timeout=30) as browser:
                assert (await browser.get(f"/c/{seen}?lang=fr")).status_code == 200

                await asyncio.to_thread(down, cfg, ["ferretdb"])
                retry_page(await browser.get(f"/c/{unseen}?lang=fr"), "fr")
                retry_page(
                    await browser.get(
                        f"/c/{unseen}/thanks", headers={"Accept-Language": "ro-RO,ro;q=0.9"}
                    ),
                    "ro",
                )
                retry_page(await browser.post(f"/c/{unseen}?lang=ar", data=FORM), "ar")
                retry_page(await browser.get(f"/embed/{unseen}?partner=relais&lang=en"), "en")

                api = await browser.get(f"/api/v1/campaigns/{unseen}")
                assert api.status_code == 503, api.text
                assert api.headers["content-type"] == "application/json"
                assert "database does not answer" in api.json()["detail"]
    finally:
        await asyncio.to_thread(down, cfg, ["ferretdb"])
