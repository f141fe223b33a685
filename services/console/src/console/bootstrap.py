"""The console's composition root: its parts assembled once, in one typed object create_app
(entrypoints/web.py) keeps as `app.state.services`: settings, the three APIs' client, the session
codec and the pages' environments."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import jinja2

from console.adapters.apis import Apis
from console.domain.session import SessionCodec
from console.presentation.i18n import Locale
from console.presentation.templating import environments
from console.settings import Settings


@dataclass(frozen=True)
class ConsoleServices:
    settings: Settings
    http: httpx.AsyncClient  # one connection pool for the signup, counter and mailer APIs
    apis: Apis
    codec: SessionCodec
    jinja: dict[Locale, jinja2.Environment]

    async def close(self) -> None:
        await self.http.aclose()


def bootstrap(settings: Settings) -> ConsoleServices:
    http = httpx.AsyncClient()
    return ConsoleServices(
        settings=settings,
        http=http,
        apis=Apis(http, settings),
        codec=SessionCodec(settings.session_secret.get_secret_value()),
        jinja=environments(),
    )
