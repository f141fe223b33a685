"""Access requests: what the mailer holds about an address (the signup service's export asks
here too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mailer.access import AdminDep
from mailer.application.supporter_data import held_about
from mailer.deps import Database, SettingsDep
from mailer.domain.addresses import AddressHasher
from mobilise_runtime.errors import Unavailable

router = APIRouter(prefix="/api/v1", tags=["supporters"])


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)


@router.post(
    "/supporters/export",
    responses={
        401: {"description": "No or unknown organiser token"},
        403: {"description": "Not an admin"},
    },
    summary="Everything the mailer holds about an address (admin)",
)
async def export(
    body: ExportIn, _: AdminDep, settings: SettingsDep, database: Database
) -> dict[str, Any]:
    """Recipients, suppressions and their reasons, the mails sent (when), the erasure."""
    key = settings.email_hash_key
    if key is None:
        raise Unavailable("MAILER_EMAIL_HASH_KEY is not set: the mailer cannot look addresses up",
                          retry_after_s=60)  # fmt: skip
    held = await held_about(database.db, AddressHasher(key.get_secret_value().encode())(body.email))
    return {"source": "mailer", "generated_at": datetime.now(UTC), **held}
