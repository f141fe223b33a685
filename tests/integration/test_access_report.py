"""The access request as a document for the supporter: a real signup-api gathers its records and
the real mailer-api's part into one self-contained HTML file, in the person's language, with the
source of each part and its times — and nothing about anyone else, no link token, no markup of
theirs."""

from __future__ import annotations

import uuid

from pymongo.asynchronous.database import AsyncDatabase

from devstack.harness.signup import campaign_body
from mailer.domain.addresses import AddressHasher
from mobilise_runtime.mongo import Document, ServiceDatabase
from tests.integration.test_mailer_export import AT, EMAIL, HASH_KEY, Services, services

__all__ = ["services"]  # the fixture, shared with the JSON export's test

ROUTE = "/api/v1/supporters/export/report"


async def seed(services: Services, signup_db: AsyncDatabase[Document]) -> str:
    """A campaign, Awa's record of it in the signup service and her part in the mailer's; the
    campaign's id."""
    version = f"v-{uuid.uuid4().hex[:6]}"
    text = {"fr": "J'accepte.", "en": "I agree."}
    published = await services.signup.post(
        "/api/v1/consent-texts", json={"version": version, "text": text}
    )
    assert published.status_code == 201, published.text
    body = campaign_body(version, slug=f"femmes-{uuid.uuid4().hex[:6]}", goal=100)
    created = await services.signup.post("/api/v1/campaigns", json=body)
    assert created.status_code == 201, created.text
    campaign: str = created.json()["id"]
    await signup_db["supporters"].insert_one(
        {"_id": f"{campaign}:k-awa", "campaign_id": campaign, "supporter_key": "k-awa",
         "kind": "pledge", "email": EMAIL, "email_canonical": EMAIL.lower(),
         "first_name": "Awa <b>", "last_name": "Diop", "country": "SN", "region": "SN-DK",
         "locale": "fr", "newsletter_opt_in": True, "signed_at": AT, "confirmed": True,
         "confirmed_at": AT,
         "consents": [{"signup_id": "s-1", "at": AT, "consent_text_version": version,
                       "newsletter_opt_in": True, "partner": None}]}
    )  # fmt: skip
    hasher = AddressHasher(HASH_KEY.encode())
    db = services.mailer_db.db
    await db["recipients"].insert_many(
        [{"_id": f"{campaign}:k-awa", "campaign_id": campaign, "supporter_key": "k-awa",
          "email": EMAIL, "email_hash": hasher(EMAIL), "first_name": "Awa", "locale": "fr",
          "newsletter_opt_in": True, "confirmed": True, "unsubscribe_token": "secret-token",
          "signed_at": AT},
         {"_id": f"{campaign}:k-x", "campaign_id": campaign, "supporter_key": "k-x",
          "email": "x@b.org", "email_hash": hasher("x@b.org"), "first_name": "Xavière",
          "signed_at": AT}]
    )  # fmt: skip
    await db["suppressions"].insert_one(
        {"_id": f"*:{hasher(EMAIL)}", "scope": "*", "campaign_id": None,
         "email_hash": hasher(EMAIL), "reason": "bounce", "source": "webhook",
         "suppressed_at": AT}
    )  # fmt: skip
    await db["mail_log"].insert_one(
        {"_id": f"welcome:{campaign}:k-awa", "batch_id": "b", "campaign_id": campaign,
         "supporter_key": "k-awa", "claimed_at": AT}
    )  # fmt: skip
    return campaign


async def test_the_report_for_the_supporter_holds_both_services_data(
    services: Services, database: ServiceDatabase
) -> None:
    campaign = await seed(services, database.db)  # the signup-api's database
    response = await services.signup.post(ROUTE, json={"email": "awa.diop@EXAMPLE.org"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert '<html lang="fr">' in html  # her language, from her signature
    for expected in (
        "Vos données personnelles",
        "le service des signatures",  # each part's source
        "le service des courriels",
        "le service des compteurs",
        "Femmes du numérique",  # the campaign by its title
        "Awa &lt;b&gt;",  # her own text, escaped
        "Diop",
        "SN-DK",
        "2026-05-01 09:00 UTC",  # times, in UTC
        f"welcome:{campaign}",  # the mail sent
        "bounce",  # the suppression and its reason
        "toutes les campagnes",
    ):
        assert expected in html, expected
    for absent in ("Awa <b>", "x@b.org", "Xavière", "secret-token", "<script"):
        assert absent not in html, absent
    assert 'href="http://127.0.0.1:' in html  # the charter, a link that works from a file

    english = await services.signup.post(f"{ROUTE}?lang=en", json={"email": EMAIL})
    assert '<html lang="en">' in english.text
    assert "Women in digital" in english.text
    assert "the mailer service" in english.text

    nobody = await services.signup.post(ROUTE, json={"email": "nobody@example.org"})
    assert nobody.status_code == 200
    assert nobody.text.count("Nothing.") >= 4  # records, recipients, mails, suppressions

    for refused, status in (
        (await services.signup.post(ROUTE, json={"email": "not-an-address"}), 422),
        (await services.signup.post(f"{ROUTE}?lang=de", json={"email": EMAIL}), 422),
        (await services.signup.post(ROUTE, json={"email": EMAIL, "x": 1}), 422),
    ):
        assert refused.status_code == status, refused.text
        assert "detail" in refused.json()
