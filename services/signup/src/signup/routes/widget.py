"""The embeddable widget: its script (`/widget.js`) and the configuration it reads, in the asked
language, from a partner's page (CORS: cors.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from mobilise_runtime.errors import Rejected
from mobilise_runtime.locales import direction, shown
from signup.deps import Repo, SettingsDep
from signup.presentation import wording as words
from signup.presentation.i18n import countries, wording
from signup.presentation.rendering import STATIC_DIR, charter_url
from signup.routes.pages import progress_of
from signup.schemas.common import Locale, PartnerKey
from signup.schemas.partners import Choice, ProgressOut, WidgetOut

router = APIRouter(tags=["widget"])
WIDGET_JS = (STATIC_DIR / "widget.js").read_bytes()


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> Response:
    return Response(
        WIDGET_JS,
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            # Loaded by other sites' pages, including those that isolate themselves (COEP).
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/api/v1/campaigns/{slug}/widget",
    responses={
        403: {"description": "A cross-origin call from an origin the partner did not register"},
        404: {"description": "No such campaign"},
        422: {"description": "Not a partner of this campaign, or an unknown locale"},
    },
    summary="What the embeddable widget shows, in one language",
    description=(
        "widget.js reads this from the partner's page: the form's fields and words, the "
        "campaign's consent wording and its progress. Cross-origin calls need `partner`, and "
        "only the partner's registered origins get `Access-Control-Allow-Origin`."
    ),
)
async def widget_config(
    slug: str,
    request: Request,
    repository: Repo,
    settings: SettingsDep,
    partner: Annotated[PartnerKey | None, Query()] = None,
    locale: Annotated[Locale, Query()] = "fr",
) -> WidgetOut:
    campaign = await repository.campaigns.by_slug_cached(slug)
    if partner is not None and not await repository.partners.works_for(partner, campaign.id):
        raise Rejected(f"{partner!r} is not a partner of this campaign", field="partner")
    consent = await repository.consent_texts.get(campaign.consent_text_version)
    language = wording(locale)
    consent_text = shown(consent["text"], locale, campaign.fallback_locale)
    base = settings.public_url.rstrip("/")
    path = f"/api/v1/campaigns/{quote(campaign.slug, safe='')}"
    charter = charter_url(settings.charter_url, locale)
    progress = await progress_of(request, campaign.slug)
    return WidgetOut(
        slug=campaign.slug,
        kind=campaign.kind,
        locale=locale,
        dir=direction(locale),
        status=campaign.status(datetime.now(UTC)),
        title=campaign.title.get(locale),
        title_lang=campaign.title.shown(locale).lang,
        title_dir=direction(campaign.title.shown(locale).lang),
        consent_text_version=campaign.consent_text_version,
        consent_text=consent_text.text,
        consent_text_lang=consent_text.lang,
        consent_text_dir=direction(consent_text.lang),
        charter_url=base + charter if charter.startswith("/") else charter,
        hosted_url=f"{base}/c/{quote(campaign.slug, safe='')}?{urlencode({'lang': locale})}",
        signup_url=f"{base}{path}/{'volunteers' if campaign.kind == 'volunteer' else 'pledges'}",
        progress_url=f"{base}/c/{quote(campaign.slug, safe='')}/progress",
        countries=[
            Choice(value=code, label=name)
            for code, name in countries(locale)
            if not campaign.countries or code in campaign.countries
        ],
        skills=[Choice(value=s, label=language.gettext(m)) for s, m in words.SKILLS.items()]
        if campaign.kind == "volunteer"
        else [],
        availabilities=[
            Choice(value=a, label=language.gettext(m)) for a, m in words.AVAILABILITIES.items()
        ]
        if campaign.kind == "volunteer"
        else [],
        strings=words.widget_words(campaign.kind, language),
        progress_forms=words.progress_forms(campaign.kind, language),
        progress=None
        if progress is None
        else ProgressOut(signed=progress.signed, goal=progress.goal, percent=progress.percent),
    )
