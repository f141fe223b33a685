"""The three services' public APIs, as the console calls them server-side with the organiser's own
token (the only module that talks to them). An answer of 4xx becomes ApiRefused, with the field
it concerns when the API names one (pydantic's `loc`, or our `field`), for the page to show next
to that field; a service that does not answer, or answers 5xx, becomes ServiceDown (a banner)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from console.settings import Settings

Service = Literal["signup", "counter", "mailer"]
# What the organiser's browser is told to wait when a service does not say (Retry-After).
RETRY_AFTER_S = 5


class ServiceDown(Exception):
    def __init__(
        self, service: Service, *, answered: bool = False, retry_after_s: int = RETRY_AFTER_S
    ) -> None:
        super().__init__(f"the {service} service does not answer")
        self.service = service
        # It answered 5xx: it runs, and says something it depends on does not.
        self.answered = answered
        self.retry_after_s = retry_after_s


def _down(service: Service, response: httpx.Response) -> ServiceDown:
    """A 5xx answer: the service's own wait (its store restarting) when it says one."""
    said = response.headers.get("retry-after", "")
    wait = int(said) if said.isdigit() else RETRY_AFTER_S
    return ServiceDown(service, answered=True, retry_after_s=wait)


@dataclass
class ApiRefused(Exception):
    status: int
    message: str
    # Field name (dotted, e.g. "title.fr") → message, for the form.
    fields: dict[str, str] = field(default_factory=dict)
    # A rate limit's Retry-After (429), in seconds.
    retry_after_s: int | None = None

    def __str__(self) -> str:
        return self.message


def _refusal(response: httpx.Response) -> ApiRefused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    fields: dict[str, str] = {}
    if isinstance(detail, list):  # FastAPI's validation errors
        for error in detail:
            # Numbers are list positions ("origins", 0): the form has one field for the list.
            loc = [
                str(p)
                for p in error.get("loc", ())
                if p not in ("body", "query", "path") and not isinstance(p, int)
            ]
            fields[".".join(loc) or "_"] = str(error.get("msg", "invalid"))
        message = "; ".join(f"{k}: {v}" for k, v in fields.items())
    else:
        message = str(detail or response.reason_phrase)
        if isinstance(body, dict) and body.get("field"):
            fields[str(body["field"])] = message
    retry_after = response.headers.get("retry-after", "")
    return ApiRefused(
        response.status_code,
        message,
        fields,
        retry_after_s=int(retry_after) if retry_after.isdigit() else None,
    )


class Apis:
    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._base: dict[Service, str] = {
            "signup": settings.signup_api_url.rstrip("/"),
            "counter": settings.counter_api_url.rstrip("/"),
            "mailer": settings.mailer_api_url.rstrip("/"),
        }
        self._timeout = settings.api_timeout_s

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        try:
            response = await self._http.request(
                method,
                self._base[service] + path,
                json=json,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise ServiceDown(service) from exc
        if response.status_code >= 500:
            raise _down(service, response)
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    async def json(self, service: Service, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.call(service, method, path, **kwargs)
        return response.json() if response.content else None

    async def relay(self, service: Service, path: str) -> AsyncIterator[bytes]:
        """A stream (Server-Sent Events) as it comes; ends when the service closes or fails (the
        browser's EventSource reconnects)."""
        url = self._base[service] + path
        try:
            async with self._http.stream(
                "GET", url, timeout=httpx.Timeout(self._timeout, read=None)
            ) as upstream:
                if upstream.status_code != 200:
                    return
                async for chunk in upstream.aiter_raw():
                    yield chunk
        except httpx.HTTPError:
            return

    async def relay_download(
        self, service: Service, path: str, *, token: str
    ) -> tuple[httpx.Response, AsyncIterator[bytes]]:
        """A download (CSV) as it comes, once its answer is known to be a 200."""
        request = self._http.build_request(
            "GET",
            self._base[service] + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(self._timeout, read=None),
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise ServiceDown(service) from exc
        if response.status_code != 200:
            await response.aread()
            await response.aclose()
            if response.status_code >= 500:
                raise _down(service, response)
            raise _refusal(response)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()

        return response, body()
