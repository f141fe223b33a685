"""A real `signup-api` process for tests, on its own topics and database, and calls to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.fernet import Fernet

from devstack.harness.processes import Running, free_port, running, service_env
from mobilise_events import Signup
from mobilise_runtime.link_tokens import SignupLinks, Tokens
from mobilise_runtime.settings import SharedSettings

ADMIN_TOKEN = "test-admin-token"
SUPPORTER_KEY_SECRET = "test-supporter-key-secret"
# The link keys of every signup-api and mailer this test process starts: what a mailer mints, any
# signup service opens.
TOKEN_KEYS = Fernet.generate_key().decode()


@dataclass
class SignupService:
    url: str
    shared: SharedSettings
    database: str
    token_keys: str
    process: Running

    def links(self, signup: Signup) -> SignupLinks:
        """The links of `signup`'s emails as a mailer holding this service's keys mints them
        (mailer-consumer, through mobilise_runtime.link_tokens), for tests without a mailer."""
        return Tokens(self.token_keys, confirm_max_age_s=86_400).signup_links(signup)

    def client(self, *, organiser: bool = False) -> httpx.Client:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if organiser else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)

    def create_campaign(self, **fields: Any) -> dict[str, Any]:
        """A new open campaign with its own consent text; `fields` override the defaults."""
        suffix = uuid.uuid4().hex[:8]
        version = f"v-{suffix}"
        with self.client(organiser=True) as c:
            text = {"fr": f"J'accepte (version {version}).", "en": f"I agree ({version})."}
            c.post(
                "/api/v1/consent-texts", json={"version": version, "text": text}
            ).raise_for_status()
            body = campaign_body(version, **fields)
            response = c.post("/api/v1/campaigns", json=body)
            response.raise_for_status()
            campaign: dict[str, Any] = response.json()
            return campaign

    def pledge(self, campaign: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """A pledge (pledge_body) to `campaign`, made by create_campaign, accepted (202)."""
        body = pledge_body(campaign["consent"]["version"], **fields)
        with self.client() as c:
            response = c.post(f"/api/v1/campaigns/{campaign['slug']}/pledges", json=body)
        assert response.status_code == 202, response.text
        accepted: dict[str, Any] = response.json()
        return accepted


def pledge_body(consent: str, **fields: Any) -> dict[str, Any]:
    """A supporter's pledge (its JSON) under consent text version `consent`: Awa in France, in
    French, who wants the newsletter; `fields` replace any of these."""
    return {
        "email": "awa@example.org",
        "first_name": "Awa",
        "country": "FR",
        "locale": "fr",
        "newsletter_opt_in": True,
        "consent_text_version": consent,
        **fields,
    }


def page_form(consent: str, **fields: str) -> dict[str, str]:
    """A pledge as the hosted page's (or the embed's) form posts it: Awa in Senegal, agreeing to
    consent text version `consent`; `fields` replace any of these."""
    return {
        "email": "awa.diop@example.org",
        "first_name": "Awa",
        "country": "SN",
        "consent": "yes",
        "consent_text_version": consent,
        **fields,
    }


def campaign_body(consent: str, **fields: Any) -> dict[str, Any]:
    """A new open campaign's JSON (a pledge campaign with double opt-in) accepting consent text
    version `consent`; `fields` replace any of its values."""
    return {
        "slug": f"campaign-{uuid.uuid4().hex[:8]}",
        "kind": "pledge",
        "title": {"fr": "Femmes du numérique", "en": "Women in digital"},
        "description": {"fr": "Formons 50 000 femmes.", "en": "Let's train 50,000 women."},
        "goal": 50_000,
        "countries": [],
        "double_opt_in": True,
        "consent_text_versions": [consent],
        **fields,
    }


def signup_env(shared: SharedSettings, database: str, port: int, token_keys: str) -> dict[str, str]:
    return service_env(
        shared,
        SIGNUP_PORT=str(port),
        SIGNUP_PUBLIC_URL=f"http://127.0.0.1:{port}",
        SIGNUP_MONGO_DATABASE=database,
        SIGNUP_TOKEN_KEYS=token_keys,
        SIGNUP_SUPPORTER_KEY_SECRET=SUPPORTER_KEY_SECRET,
        MOBILISE_ADMIN_TOKEN=ADMIN_TOKEN,
        # Tests play many clients through X-Forwarded-For, as make run lets one do.
        SIGNUP_TRUSTED_PROXIES="127.0.0.1/32,::1/128",
    )


@contextmanager
def signup_api(shared: SharedSettings, database: str, **env: str) -> Iterator[SignupService]:
    port = free_port()
    with running("signup-api", {**signup_env(shared, database, port, TOKEN_KEYS), **env}) as api:
        url = f"http://127.0.0.1:{port}"
        ready = api.wait_http(f"{url}/readyz", timeout=60)
        assert ready.status_code == 200, ready.text
        yield SignupService(url, shared, database, TOKEN_KEYS, api)


def projector_env(service: SignupService) -> dict[str, str]:
    """A `signup-projector` beside `service`: its database, its supporter-key secret."""
    return service_env(
        service.shared,
        SIGNUP_MONGO_DATABASE=service.database,
        SIGNUP_SUPPORTER_KEY_SECRET=SUPPORTER_KEY_SECRET,
    )
