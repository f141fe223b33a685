"""partner-demo: a partner's website, in development, on an origin of its own (another port), that
embeds the signup widget from the signup service — the way an association's site would.

`/` embeds the script widget; `/iframe` the iframe. Its CSS is deliberately hostile (serif fonts,
red buttons, huge margins): the widget, in its shadow root, must not be touched by it.

`register_demo` (run by `make run` once signup answers) makes the demo work out of the box: a
consent text, an open pledge campaign and a partner that registered this site's origins."""

from __future__ import annotations

import os
from html import escape
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from mobilise_runtime.health import health_router
from mobilise_runtime.locales import DEFAULT, Locale
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.serve import serve
from mobilise_runtime.settings import SharedSettings

SERVICE = "partner-demo"
PORT_ENV = "PARTNER_DEMO_PORT"
DEFAULT_PORT = 8003
DEMO_CAMPAIGN = "egalite-demo"
DEMO_PARTNER = "asso-exemple-demo"
DEMO_CONSENT = "demo-2026"

PAGE = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Association Exemple · partenaire (démo)</title>
  <style>
    /* A host page's CSS that would break a widget living in the page's own DOM. */
    * {{ font-family: Georgia, serif !important; }}
    body {{ margin: 0; background: #fff8e7; color: #402; }}
    header {{ background: #402; color: #fff8e7; padding: 1rem 2rem; }}
    main {{ display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 36rem); gap: 2rem;
           padding: 2rem; max-width: 72rem; }}
    button, input, select {{ background: red; color: yellow; margin: 3rem; font-size: 2rem; }}
    label {{ display: none; }}
    @media (max-width: 50rem) {{ main {{ grid-template-columns: 1fr; }} }}
  </style>
</head>
<body>
  <header><h1>Association Exemple</h1><p>Un site partenaire, sur une autre origine.</p></header>
  <main>
    <article>
      <h2>Rejoignez la campagne</h2>
      <p>Nous soutenons l'égalité femmes-hommes dans le numérique. Signez avec nous&nbsp;: votre
      signature compte pour la campagne et pour notre association.</p>
      <p><a href="/">widget (script)</a> · <a href="/iframe">iframe</a></p>
    </article>
    <aside id="embed">
{embed}
    </aside>
  </main>
</body>
</html>
"""


def script_embed(signup_url: str, campaign: str, partner: str, locale: str = "fr") -> str:
    base = escape(signup_url.rstrip("/"), quote=True)
    return (
        f'<div data-mobilise-widget data-campaign="{escape(campaign)}" '
        f'data-partner="{escape(partner)}" data-locale="{escape(locale)}" data-color="#1d5c63">\n'
        f'  <a href="{base}/c/{escape(campaign)}">Signer sur la page de la campagne</a>\n'
        f"</div>\n"
        f'<script src="{base}/widget.js" async></script>'
    )


def iframe_embed(signup_url: str, campaign: str, partner: str, locale: str = "fr") -> str:
    base = escape(signup_url.rstrip("/"), quote=True)
    query = escape(urlencode({"partner": partner, "lang": locale}))
    return (
        f'<iframe src="{base}/embed/{escape(campaign)}?{query}" '
        'title="Signer la campagne" width="100%" height="900" style="border:0"></iframe>'
    )


def create_app(signup_url: str, campaign: str, partner: str) -> FastAPI:
    app = FastAPI(title="partner demo", docs_url=None, redoc_url=None, openapi_url=None)

    # `?lang=` sets the widget's data-locale (and the iframe's language): the page stays French.
    @app.get("/", response_class=HTMLResponse)
    async def with_script(lang: Locale = DEFAULT) -> str:
        return PAGE.format(embed=script_embed(signup_url, campaign, partner, lang))

    @app.get("/iframe", response_class=HTMLResponse)
    async def with_iframe(lang: Locale = DEFAULT) -> str:
        return PAGE.format(embed=iframe_embed(signup_url, campaign, partner, lang))

    app.include_router(health_router({}, 1.0))
    return app


def demo_origins(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def register_demo(signup_api: str, admin_token: str, origins: list[str]) -> None:
    """The demo's consent text, campaign and partner, created if missing (idempotent); the
    partner's origins and campaigns gain the demo's if it exists already."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=signup_api.rstrip("/"), headers=headers, timeout=10) as c:
        text = {
            "fr": "J'accepte que mes données servent à cette campagne (démo).",
            "en": "I agree that my data is used for this campaign (demo).",
        }
        consent = c.post("/api/v1/consent-texts", json={"version": DEMO_CONSENT, "text": text})
        if consent.status_code != 409:
            consent.raise_for_status()
        if c.get(f"/api/v1/campaigns/{DEMO_CAMPAIGN}").status_code == 404:
            c.post(
                "/api/v1/campaigns",
                json={
                    "slug": DEMO_CAMPAIGN,
                    "kind": "pledge",
                    "title": {"fr": "L'égalité, ça se signe", "en": "Sign up for equality"},
                    "description": {
                        "fr": "Campagne de démonstration.",
                        "en": "A demonstration campaign.",
                    },
                    "goal": 1000,
                    "double_opt_in": False,
                    "consent_text_versions": [DEMO_CONSENT],
                },
            ).raise_for_status()
        found = c.get(f"/api/v1/partners/{DEMO_PARTNER}")
        if found.status_code == 404:
            c.post(
                "/api/v1/partners",
                json={
                    "name": "Association Exemple (démo)",
                    "key": DEMO_PARTNER,
                    "campaigns": [DEMO_CAMPAIGN],
                    "origins": origins,
                },
            ).raise_for_status()
            return
        found.raise_for_status()
        partner = found.json()
        c.patch(
            f"/api/v1/partners/{DEMO_PARTNER}",
            json={
                "campaigns": list(dict.fromkeys([*partner["campaigns"], DEMO_CAMPAIGN])),
                "origins": list(dict.fromkeys([*partner["origins"], *origins])),
            },
        ).raise_for_status()


def main() -> None:
    shared = SharedSettings()
    configure_logging(SERVICE, shared.log_format, shared.log_level)
    port = int(os.environ.get(PORT_ENV, DEFAULT_PORT))
    signup_url = os.environ.get("SIGNUP_PUBLIC_URL", "http://127.0.0.1:8000")
    campaign = os.environ.get("PARTNER_DEMO_CAMPAIGN", DEMO_CAMPAIGN)
    partner = os.environ.get("PARTNER_DEMO_KEY", DEMO_PARTNER)
    serve(create_app(signup_url, campaign, partner), host="127.0.0.1", port=port)
