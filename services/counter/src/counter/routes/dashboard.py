"""The organisers' dashboard: /dashboard/{slug}, a page of the campaign's current totals that
works as it is without JavaScript, and that its script keeps live (the totals stream, the history
chart, and this page's own breakdown tables fetched again when they change).

No authentication for now: the page shows only aggregate numbers, without personal data, the
same as the public totals API. Organiser-only views will need the bearer token as the signup
service's organiser endpoints do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from counter.adapters.campaigns import Campaign
from counter.deps import CampaignsDep, ReaderDep
from counter.domain.errors import Unavailable, UnknownCampaign
from counter.presentation.i18n import (
    Locale,
    country_name,
    macro_region_name,
    region_name,
    script_strings,
)
from counter.presentation.rendering import render, render_message, render_unavailable
from counter.schemas.totals import CountsOut, TotalsOut
from mobilise_runtime.catalogs import N_
from mobilise_runtime.pages import PageLocale

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Row:
    rank: int
    key: str
    name: str
    counts: CountsOut
    share: float  # percent of the campaign's signatures, 0 to 100


@dataclass(frozen=True)
class Table:
    id: str
    heading: str  # msgids
    column: str
    rows: list[Row]


@dataclass(frozen=True)
class Page:
    """What both pages show: the campaign's totals, in the reader's language."""

    locale: Locale
    campaign: Campaign
    totals: TotalsOut


async def _page(
    slug: str, request: Request, campaigns: CampaignsDep, reader: ReaderDep, locale: PageLocale
) -> Page | HTMLResponse:
    """The page's data, or the page that says why there is none (404, 503)."""
    try:
        campaign = await campaigns.get(slug)
        return Page(locale, campaign, await reader.totals(campaign))
    except (UnknownCampaign, Unavailable) as exc:
        return _refusal(request, locale, exc)


PageDep = Annotated[Page | HTMLResponse, Depends(_page)]


@router.get("/dashboard/{slug}", response_class=HTMLResponse)
async def dashboard(request: Request, page: PageDep) -> HTMLResponse:
    if isinstance(page, HTMLResponse):
        return page
    locale, campaign, totals = page.locale, page.campaign, page.totals
    base = f"/api/v1/campaigns/{quote(campaign.slug)}"
    return render(
        request,
        "dashboard.html",
        locale=locale,
        campaign=campaign,
        title=campaign.shown_title(locale),
        totals=totals,
        percent=totals.signed * 100 // campaign.goal,
        show_volunteers=_show_volunteers(campaign, totals),
        tables=tables(totals, locale),
        script={
            "stream": f"{base}/totals/stream",
            "history": f"{base}/history",
            "breakdown": f"/dashboard/{quote(campaign.slug)}/breakdown?lang={locale}",
            "strings": script_strings(campaign.kind, locale),
        },
    )


@router.get("/dashboard/{slug}/breakdown", response_class=HTMLResponse)
async def breakdown(request: Request, page: PageDep) -> HTMLResponse:
    """The page's tables alone, which its script puts in place of the old ones."""
    if isinstance(page, HTMLResponse):
        return page
    return render(
        request,
        "breakdown.html",
        locale=page.locale,
        show_volunteers=_show_volunteers(page.campaign, page.totals),
        tables=tables(page.totals, page.locale),
    )


def tables(totals: TotalsOut, locale: Locale) -> list[Table]:
    """The breakdowns the page shows, each biggest first."""

    def named(name: Callable[[str, Locale], str]) -> Callable[[str], str]:
        return lambda key: name(key, locale)

    return [
        Table(
            "macro-regions",
            N_("By world region"),
            N_("World region"),
            _rows(totals.by_macro_region, totals.signed, named(macro_region_name)),
        ),
        Table(
            "partners", N_("Partners"), N_("Partner"), _rows(totals.by_partner, totals.signed, str)
        ),
        Table(
            "countries",
            N_("By country"),
            N_("Country"),
            _rows(totals.by_country, totals.signed, named(country_name)),
        ),
        Table(
            "regions",
            N_("By region"),
            N_("Region"),
            _rows(totals.by_region, totals.signed, named(region_name)),
        ),
    ]


def _rows(breakdown: Mapping[str, CountsOut], total: int, name: Callable[[str], str]) -> list[Row]:
    named = sorted(
        ((name(key), key, counts) for key, counts in breakdown.items()),
        key=lambda item: (-item[2].signed, -item[2].confirmed, item[0]),
    )
    return [
        Row(rank, key, label, counts, counts.signed * 100 / total if total else 0.0)
        for rank, (label, key, counts) in enumerate(named, start=1)
    ]


def _show_volunteers(campaign: Campaign, totals: TotalsOut) -> bool:
    return campaign.kind == "volunteer" or totals.volunteers > 0


def _refusal(request: Request, locale: Locale, exc: UnknownCampaign | Unavailable) -> HTMLResponse:
    if isinstance(exc, UnknownCampaign):
        return render_message(
            request, locale=locale, title=NOT_FOUND_TITLE, text=NOT_FOUND_TEXT, status_code=404
        )
    return render_unavailable(request, locale=locale, retry_after_s=exc.retry_after_s)


NOT_FOUND_TITLE = N_("Campaign not found")
NOT_FOUND_TEXT = N_("No campaign has this address. Please check the link.")
