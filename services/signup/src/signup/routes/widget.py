"""The embeddable widget: its script (`/widget.js`) and the configuration it reads, in the asked
language, from a partner's page (CORS: cors.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from signup.deps import Repo, SettingsDep
from signup.domain.errors import Rejected
from signup.i18n import STRINGS, countries
from signup.partner_schemas import Choice, ProgressOut, WidgetOut
from signup.rendering import STATIC_DIR, charter_url
from signup.routes.pages import AVAILABILITIES, SKILLS, progress_of
from signup.schemas import Locale, PartnerKey

router = APIRouter(tags=["widget"])
WIDGET_JS = (STATIC_DIR / "widget.js").read_bytes()
# The strings the widget shows, under the same names as the pages' (their words, both languages).
WIDGET_STRINGS = [
    "email_label",
    "first_name_label",
    "last_name_label",
    "optional",
    "country_label",
    "country_choose",
    "region_label",
    "region_hint",
    "skills_legend",
    "skills_hint",
    "availability_label",
    "availability_choose",
    "wants_training_label",
    "newsletter_label",
    "consent_version",
    "charter_link",
    "sending",
    "proof_working",
    "error_rate_limited_short",
    "honeypot_label",
    "error_summary",
    "error_email",
    "error_first_name",
    "error_last_name",
    "error_country",
    "error_country_not_covered",
    "error_region",
    "error_skills",
    "error_availability",
    "error_consent",
    "error_consent_changed",
    "error_general",
    "error_offline",
    "unavailable_text",
    "campaign_closed",
    "campaign_not_open",
    "thanks_pending_title",
    "thanks_pending",
    "thanks_accepted_title",
    "thanks_accepted",
    "widget_hosted_link",
    "widget_refused",
]


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
    strings = STRINGS[locale]
    base = settings.public_url.rstrip("/")
    path = f"/api/v1/campaigns/{quote(campaign.slug, safe='')}"
    words: dict[str, Any] = {name: strings[name] for name in WIDGET_STRINGS}
    words["heading"] = strings[f"form_heading_{campaign.kind}"]
    words["submit"] = strings[f"submit_{campaign.kind}"]
    words["progress"] = strings[f"progress_{campaign.kind}"]
    # The singular, where the language's plural rules say "one" (0 and 1 in French, 1 in English).
    words["progress_one"] = strings[f"progress_{campaign.kind}_one"]
    charter = charter_url(settings.charter_url, locale)
    progress = await progress_of(request, campaign.slug)
    return WidgetOut(
        slug=campaign.slug,
        kind=campaign.kind,
        locale=locale,
        status=campaign.status(datetime.now(UTC)),
        title=campaign.title.get(locale),
        consent_text_version=campaign.consent_text_version,
        consent_text=consent["text"][locale],
        charter_url=base + charter if charter.startswith("/") else charter,
        hosted_url=f"{base}/c/{quote(campaign.slug, safe='')}?{urlencode({'lang': locale})}",
        signup_url=f"{base}{path}/{'volunteers' if campaign.kind == 'volunteer' else 'pledges'}",
        progress_url=f"{base}/c/{quote(campaign.slug, safe='')}/progress",
        countries=[
            Choice(value=code, label=name)
            for code, name in countries(locale)
            if not campaign.countries or code in campaign.countries
        ],
        skills=[Choice(value=s, label=strings[f"skill_{s}"]) for s in SKILLS]
        if campaign.kind == "volunteer"
        else [],
        availabilities=[Choice(value=a, label=strings[f"availability_{a}"]) for a in AVAILABILITIES]
        if campaign.kind == "volunteer"
        else [],
        strings=words,
        progress=None
        if progress is None
        else ProgressOut(signed=progress.signed, goal=progress.goal, percent=progress.percent),
    )
