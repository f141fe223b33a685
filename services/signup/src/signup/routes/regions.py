"""The regions of a country (ISO 3166-2 subdivisions), named in a language: what the hosted form
and the widget list once a country is chosen. Public reference data, the same for everyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mobilise_runtime.errors import NotFound
from signup.domain.regions import country_code
from signup.presentation.i18n import regions
from signup.schemas.common import Locale

router = APIRouter(tags=["campaigns"])


@router.get(
    "/api/v1/regions/{country}",
    responses={
        200: {
            "description": "The regions, alphabetical",
            "content": {"application/json": {"example": [{"value": "SN-DK", "label": "Dakar"}]}},
        },
        404: {"description": "Not an ISO 3166-1 alpha-2 country code"},
    },
    summary="A country's regions (ISO 3166-2), named in one language",
    description=(
        "`[{value, label}]`, in alphabetical order of the names: the choices of the `region` "
        "field once `country` is chosen (signups still take the codes). Cacheable, and open to "
        "every origin (the widget asks it from partners' pages)."
    ),
)
async def country_regions(country: str, locale: Annotated[Locale, Query()] = "fr") -> JSONResponse:
    try:
        code = country_code(country)
    except ValueError as exc:
        raise NotFound(str(exc), field="country") from exc
    return JSONResponse(
        [{"value": value, "label": label} for value, label in regions(code, locale)],
        headers={
            "Cache-Control": "public, max-age=86400",
            "Access-Control-Allow-Origin": "*",
        },
    )
