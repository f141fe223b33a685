"""The console's Jinja2 environments: one per language, with the i18n extension fed by the
shared catalogs (mobilise_runtime.catalogs), and the filters the public pages use for
organisers' texts (`shown`: the reader's language or the campaign's fallback; `foreign`: its
lang and dir when they differ from the page's)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from mobilise_runtime.catalogs import Wording, shared
from mobilise_runtime.locales import (
    LOCALES,
    Locale,
    autonym,
    cldr_locale,
    direction,
    format_number,
    shown,
)
from mobilise_runtime.pages import foreign, isolated

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


def environments() -> dict[Locale, jinja2.Environment]:
    """One environment per language, its catalog installed (new-style gettext: placeholders
    are escaped, and a missing one fails loudly)."""
    catalogs = shared()
    return {locale: _environment(catalogs[locale]) for locale in LOCALES}


def _environment(words: Wording) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=format_number, shown=shown, foreign=foreign, isolated=isolated)
    env.globals.update(
        locale=words.locale,
        dir=words.dir,
        locales=LOCALES,
        autonym=autonym,
        direction=direction,
        language_name=lambda code: language_name(code, words.locale),
    )
    env.install_gettext_translations(words.translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def language_name(code: str, locale: str) -> str:
    """A language named in the page's language ("French", "français", "الفرنسية")."""
    return str(cldr_locale(locale).languages.get(code, code))
