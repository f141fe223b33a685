"""The words of every page and email, from gettext catalogs (Babel's tools, CLDR plural rules).

One domain, `mobilise`, holds the words of every service, the console's too; its catalogs are
in `mobilise_runtime/locale/<lang>/LC_MESSAGES/mobilise.po`, compiled to `.mo` by `make catalogs`
(which `make run` and `make test` take). English is the source language: its words are
the msgids, in the code and templates, marked `_()` / `ngettext()` there and `N_()` / `Nn_()`
where only named (extracted by `make messages`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

from mobilise_runtime.locales import (
    LOCALES,
    SOURCE,
    Locale,
    cldr_locale,
    direction,
    format_number,
    format_share,
)

DOMAIN = "mobilise"
CATALOGS_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Marks `message` for extraction where it is only named; translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction where it is only named: `ngettext(*pair, n)`."""
    return singular, plural


class CatalogMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Wording:
    """One language's words and formats: what templates get as `_`, `ngettext`, `number`…
    Messages are Python %-format strings (`%(name)s`), always formatted (so "%%" is "%")."""

    locale: Locale
    translations: NullTranslations = field(repr=False)

    @property
    def dir(self) -> str:
        return direction(self.locale)

    def gettext(self, message: str, **values: Any) -> str:
        return str(self.translations.gettext(message)) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The form of `n` in this language's plural rules; `%(num)s` is `n`, as a number."""
        text = str(self.translations.ngettext(singular, plural, n))
        return text % {"num": self.number(n), **values}

    def plural_forms(self, singular: str, plural: str, **values: Any) -> dict[str, str]:
        """Every form of a plural message by its CLDR category (one, few, many, other…), for
        a script that picks one with Intl.PluralRules; `%(num)s` is left as "{num}"."""
        rule = cldr_locale(self.locale).plural_form
        forms: dict[str, str] = {}
        # Each category has a small example: the first hundred numbers meet every one.
        for n in range(200):
            category = rule(n)
            if category not in forms:
                text = str(self.translations.ngettext(singular, plural, n))
                forms[category] = text % {"num": "{num}", **values}
        return forms

    def number(self, value: int | float) -> str:
        return format_number(value, self.locale)

    def share(self, percent: float) -> str:
        return format_share(percent, self.locale)

    def template_globals(self) -> dict[str, Any]:
        """What every template of this language gets."""
        return {
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "locale": self.locale,
            "dir": self.dir,
        }


class Catalogs:
    """The compiled catalogs of every configured language, from `directory` (holding
    `<lang>/LC_MESSAGES/mobilise.mo`)."""

    def __init__(self, directory: Path = CATALOGS_DIR) -> None:
        self._directory = directory
        self._wordings = {locale: Wording(locale, self._load(locale)) for locale in LOCALES}

    def _load(self, locale: Locale) -> NullTranslations:
        if locale == SOURCE:
            return NullTranslations()
        path = self._directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not path.is_file():
            raise CatalogMissing(f"{path} is missing: `make catalogs` compiles it")
        with path.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)

    def __getitem__(self, locale: Locale) -> Wording:
        return self._wordings[locale]


@cache
def shared() -> Catalogs:
    """The shared domain's catalogs, loaded once per process."""
    return Catalogs()


def wording(locale: Locale) -> Wording:
    return shared()[locale]
