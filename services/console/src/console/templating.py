"""The console's Jinja2 environments: one per language, with the i18n extension (gettext from
the console's catalogs)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from console.i18n import LOCALES, Locale, translations
from mobilise_runtime.locales import format_number

TEMPLATES_DIR = Path(__file__).parent / "templates"


def environments() -> dict[Locale, jinja2.Environment]:
    """One environment per language, its catalog installed (new-style gettext: placeholders
    are escaped, and a missing one fails loudly)."""
    return {locale: _environment(locale) for locale in LOCALES}


def _environment(locale: Locale) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env
