"""Signing in the partner widget's form (in French, as the demo partner's site shows it), as a
supporter does: the widget on the page or its iframe variant."""

from __future__ import annotations

import re

from playwright.async_api import FrameLocator, Locator


async def sign_as_fatou(form: Locator | FrameLocator, *, country: str) -> None:
    """Fatou fills the widget's form in, agrees to the consent text and presses Signer."""
    await form.get_by_label("Adresse e-mail", exact=True).fill("fatou@example.org")
    await form.get_by_label("Prénom", exact=True).fill("Fatou")
    await form.get_by_label("Pays", exact=True).select_option(country)
    await form.get_by_label(re.compile("J'accepte que mes données")).check()
    await form.get_by_role("button", name="Signer").click()
