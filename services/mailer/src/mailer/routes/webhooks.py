"""SendGrid's signed Event Webhook: bounces, drops, spam reports and unsubscribes become
supporter.unsubscribed.v1 events (source "webhook"), which the mailer consumer turns into
suppressions. Other events (delivered, open, …) are acknowledged and ignored."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from mailer.deps import Publisher, Verifier, WebhookEventsDep
from mailer.domain.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, DeliveryEvent, parse_events
from mailer.repository.webhook_events import WebhookEvents
from mobilise_runtime.error_responses import described
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.openapi import with_example

router = APIRouter(tags=["webhooks"])
NOT_CONFIGURED_RETRY_S = 60
RESPONSES = described(
    {
        403: "Not signed by SendGrid's key, or not recently: nothing was done",
        422: "Not a JSON array of SendGrid events: nothing was done",
        503: "No verification key configured, or Kafka / the database is down",
    }
)


class WebhookHandled(BaseModel):
    model_config = with_example({"events": 3, "new": 2, "unsubscribed": 1})

    events: int  # in the batch
    new: int  # not seen before (by sg_event_id)
    unsubscribed: int  # supporter.unsubscribed events published


@router.post(
    "/webhooks/sendgrid",
    responses=RESPONSES,
    summary="SendGrid's signed Event Webhook (ECDSA; bounces, drops, spam reports, unsubscribes)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}},
                    "example": [
                        {
                            "email": "awa@example.org",
                            "event": "bounce",
                            "type": "bounce",
                            "sg_event_id": "Ym91bmNlLTAtMTIzNDU2Nzg5",
                            "timestamp": 1767225600,
                            "campaign_id": "9a1f0c4e2b7d4c3a8e5f6a7b8c9d0e1f",
                        }
                    ],
                }
            },
        }
    },
)
async def sendgrid_events(
    request: Request, verifier: Verifier, handled: WebhookEventsDep, publisher: Publisher
) -> WebhookHandled:
    if verifier is None:
        # Never accept unsigned events: anyone could then suppress anyone's address.
        raise Unavailable(
            "the SendGrid webhook is not configured: set MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY to "
            "the Event Webhook's verification key",
            retry_after_s=NOT_CONFIGURED_RETRY_S,
        )
    body = await request.body()
    verifier.verify(
        signature=request.headers.get(SIGNATURE_HEADER),
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        body=body,
        now=time.time(),
    )
    events = parse_events(body)
    fresh = await _not_handled_yet(events, handled)
    unsubscribed = [e.unsubscribed for e in fresh if e.unsubscribed is not None]
    # Published first, recorded as handled after: a crash in between only publishes again (a
    # suppression twice is one), while the other order could lose a bounce.
    results = await asyncio.gather(
        *(publisher.publish(u, campaign_id=u.campaign_id) for u in unsubscribed),
        return_exceptions=True,
    )
    failed = next((r for r in results if isinstance(r, BaseException)), None)
    if failed is not None:
        raise failed
    await handled.record(fresh, at=datetime.now(UTC))
    return WebhookHandled(events=len(events), new=len(fresh), unsubscribed=len(unsubscribed))


async def _not_handled_yet(
    events: list[DeliveryEvent], handled: WebhookEvents
) -> list[DeliveryEvent]:
    ids = list(dict.fromkeys(e.sg_event_id for e in events if e.sg_event_id is not None))
    seen = await handled.handled(ids)
    fresh = []
    for event in events:
        # An event without an id cannot be deduplicated: acting twice on it is harmless.
        if event.sg_event_id is not None:
            if event.sg_event_id in seen:
                continue
            seen.add(event.sg_event_id)
        fresh.append(event)
    return fresh
