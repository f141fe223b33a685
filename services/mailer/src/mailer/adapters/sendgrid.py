"""The only module that talks to SendGrid: v3 mail-send through the official client.

Failures come out as three errors, by what the caller should do: `RateLimited` (wait, then retry),
`Unavailable` (SendGrid or the network failed: retry with backoff — but when `maybe_sent`, the
request reached SendGrid and its answer was lost, so a retry may mail the same people twice),
`Refused` (never retry the same body: SendGrid judged it, or our key, wrong)."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.error import URLError

import sendgrid
from python_http_client.exceptions import HTTPError

from mailer.settings import Settings
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
DEFAULT_RETRY_AFTER_S = 1.0


class SendError(Exception):
    pass


class RateLimited(SendError):
    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"rate limited by SendGrid: retry in {retry_after_s:g}s")
        self.retry_after_s = retry_after_s


class Unavailable(SendError):
    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class Refused(SendError):
    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"SendGrid refused the request ({status}): {errors}")
        self.status = status
        self.errors = errors


class SendGridClient:
    def __init__(self, api_key: str, host: str, *, timeout_s: float = 30.0) -> None:
        if not api_key:
            # The official client would fall back on $SENDGRID_API_KEY: configuration stays ours.
            raise ValueError("a SendGrid API key is required (MAILER_SENDGRID_API_KEY)")
        self._api = sendgrid.SendGridAPIClient(api_key=api_key, host=host)
        self._timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> SendGridClient:
        key = settings.sendgrid_api_key
        return cls(
            key.get_secret_value() if key else "",
            settings.sendgrid_host,
            timeout_s=settings.sendgrid_timeout_s,
        )

    def send(self, body: dict[str, Any]) -> str:
        """Hands one mail-send request to SendGrid; returns its X-Message-Id."""
        try:
            response = self._api.client.mail.send.post(request_body=body, timeout=self._timeout_s)
        except HTTPError as exc:
            raise _translate(exc) from exc
        except URLError as exc:
            # urllib wraps only what fails before the request is fully sent (refused, DNS, TLS).
            raise Unavailable(f"SendGrid unreachable: {exc.reason}", maybe_sent=False) from exc
        except (OSError, http.client.HTTPException) as exc:
            # Sent, then no answer: a timeout, a reset, a truncated response.
            message = f"no answer from SendGrid: {type(exc).__name__}: {exc}"
            raise Unavailable(message, maybe_sent=True) from exc
        # Sandbox mode answers 200 without an id.
        message_id: str = response.headers.get("X-Message-Id") or ""
        return message_id


def _translate(exc: HTTPError) -> SendError:
    status = int(exc.status_code)
    if status == 429:
        return RateLimited(_retry_after(exc.headers))
    if status >= 500:
        # A gateway's 502/504 may hide a request SendGrid went on to take.
        message = f"SendGrid answered {status}: {_errors(exc.body)}"
        return Unavailable(message, maybe_sent=status in (502, 504))
    errors = _errors(exc.body)
    log.error("sendgrid refused a request", status=status, errors=errors)
    return Refused(status, errors)


def _retry_after(headers: Any) -> float:
    """Seconds until SendGrid takes requests again: X-RateLimit-Reset (epoch seconds) first."""
    if headers is None:
        return DEFAULT_RETRY_AFTER_S
    try:
        reset = headers.get("X-RateLimit-Reset")
        if reset is not None:
            return max(DEFAULT_RETRY_AFTER_S, float(reset) - time.time())
        after = headers.get("Retry-After")
        if after is not None:
            return max(DEFAULT_RETRY_AFTER_S, float(after))
    except ValueError:
        pass
    return DEFAULT_RETRY_AFTER_S


def _errors(body: bytes | str | None) -> list[dict[str, Any]]:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    try:
        errors = json.loads(text)["errors"]
    except (ValueError, KeyError, TypeError):
        return [{"message": text[:500], "field": None, "help": None}]
    return errors if isinstance(errors, list) else [{"message": str(errors)}]
