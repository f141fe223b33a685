"""The gettext catalogs: every word of the code and templates is translated in every language
(nothing missing, nothing fuzzy, the same placeholders), each language's plural forms, and
French spacing around ; : ! ? « » (in the catalog and in the French written outside it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from mobilise_runtime.catalogs import CATALOGS_DIR, DOMAIN, Catalogs, wording
from mobilise_runtime.locales import LOCALES, SOURCE
from signup.presentation import access_report_text

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [locale for locale in LOCALES if locale != SOURCE]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(locale: str) -> Catalog:
    with (CATALOGS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=locale)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `make messages` would extract from the code and templates now."""
    pot = tmp_path_factory.mktemp("pot") / "mobilise.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "Nn_:1,2",
         "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with pot.open("rb") as source:
        return read_po(source)


def _ids(catalog: Catalog) -> set[str]:
    # A plural message by its singular: the catalogs are checked whole below.
    return {_texts(m.id)[0] for m in catalog if m.id}


def _texts(value: object) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (str(value or ""),)


def test_the_template_is_up_to_date(extracted: Catalog) -> None:
    with (CATALOGS_DIR / f"{DOMAIN}.pot").open("rb") as pot:
        committed = read_po(pot)
    assert _ids(extracted) == _ids(committed), "run `make messages`"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_word_is_translated_and_none_is_fuzzy(locale: str, extracted: Catalog) -> None:
    catalog = _catalog(locale)
    assert _ids(extracted) <= _ids(catalog), "run `make messages`, then translate"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, (locale, message.id)
        strings = _texts(message.string)
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1)
        ids = _texts(message.id)
        allowed = {name for text in ids for name in PLACEHOLDER.findall(text)} | {"num"}
        for text in strings:
            assert text.strip(), (locale, message.id)
            assert set(PLACEHOLDER.findall(text)) <= allowed, (locale, message.id, text)
            text % dict.fromkeys(allowed, "x")  # a stray "%" would fail here


def test_a_missing_compiled_catalog_is_said_at_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="make catalogs"):
        Catalogs(tmp_path)


SIGNATURES = (
    "%(num)s signature towards a goal of %(goal)s",
    "%(num)s signatures towards a goal of %(goal)s",
)


@pytest.mark.parametrize(
    ("locale", "n", "expected"),
    [
        ("fr", 0, "0 signature sur un objectif de 10"),
        ("fr", 1, "1 signature sur un objectif de 10"),
        ("fr", 2, "2 signatures sur un objectif de 10"),
        ("fr", 1500, "1\u202f500 signatures sur un objectif de 10"),
        ("en", 0, "0 signatures towards a goal of 10"),
        ("en", 1, "1 signature towards a goal of 10"),
        ("en", 2, "2 signatures towards a goal of 10"),
        ("ar", 1, "توقيع واحد من أصل هدف 10"),
        ("ar", 2, "توقيعان من أصل هدف 10"),
        ("ar", 3, "3 توقيعات من أصل هدف 10"),
        ("ar", 11, "11 توقيعًا من أصل هدف 10"),
        ("ar", 100, "100 توقيع من أصل هدف 10"),
        ("ro", 1, "1 semnătură din obiectivul de 10"),
        ("ro", 2, "2 semnături din obiectivul de 10"),
        ("ro", 19, "19 semnături din obiectivul de 10"),
        ("ro", 20, "20 de semnături din obiectivul de 10"),
        ("ro", 101, "101 semnături din obiectivul de 10"),
    ],
)
def test_plural_forms_follow_each_language(locale: str, n: int, expected: str) -> None:
    assert wording(locale).ngettext(*SIGNATURES, n, goal="10") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", LOCALES)
def test_scripts_get_one_form_per_cldr_category(locale: str) -> None:
    forms = wording(locale).plural_forms(*SIGNATURES, goal="{goal}")  # type: ignore[arg-type]
    expected = {"fr": 2, "en": 2, "ar": 6, "ro": 3}[locale]
    assert len(forms) == expected
    assert "other" in forms
    assert all("{goal}" in form for form in forms.values())


def test_arabic_is_right_to_left_and_the_others_are_not() -> None:
    assert {locale: wording(locale).dir for locale in LOCALES} == {
        "fr": "ltr",
        "en": "ltr",
        "ar": "rtl",
        "ro": "ltr",
    }


# French spacing (the Imprimerie nationale's): a narrow no-break space (U+202F) before ; ! ?, a
# no-break space (U+00A0) before : and inside « ». With an ordinary space a line can begin with
# "; elle ne comptera…"; with none, the text reads as English.
NARROW, NO_BREAK = "\u202f", "\u00a0"
# What is not prose: placeholders, HTML tags and entities, URLs, times (10:30).
NOT_PROSE = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]*>|&#?\w+;|[a-z][a-z0-9+.-]*://[^\s\"]+|\d:\d")
FRENCH_SPACES = (
    (re.compile(r"(?<![\u202f;!?])[;!?]"), "U+202F before ; ! ?"),
    (re.compile(r"(?<!\u00a0):"), "U+00A0 before :"),
    (re.compile(r"«(?!\u00a0)"), "U+00A0 after «"),
    (re.compile(r"(?<!\u00a0)»"), "U+00A0 before »"),
    (re.compile(r"\s[\u202f\u00a0]|[\u202f\u00a0]\s"), "one space only"),
)


def french_spacing_faults(text: str) -> list[str]:
    """What breaks French spacing in `text`, with the place: none for good French."""
    prose = NOT_PROSE.sub("x", text)
    return [
        f"{rule}: …{prose[max(0, m.start() - 12) : m.end() + 12]!r}…"
        for pattern, rule in FRENCH_SPACES
        for m in pattern.finditer(prose)
    ]


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("Réessayez dans un moment ; elle ne comptera qu'une fois.", 1),
        ("Merci!", 1),
        ("Merci !", 1),
        ("Merci\u00a0!", 1),
        ("Pays : tous", 1),
        ("« %(campaign)s »", 2),
        ("Réessayez dans un moment\u202f; elle ne comptera qu'une fois.", 0),
        ("Merci\u202f! Vraiment\u202f?!", 0),
        ('Pays\u00a0: tous, à 10:30, voir https://exemple.fr/a?b=c ou <a href="x">', 0),
        ("«\u00a0%(campaign)s\u00a0»\u00a0: {subject}", 0),
    ],
)
def test_the_french_spacing_rule(text: str, faults: int) -> None:
    assert len(french_spacing_faults(text)) == faults, french_spacing_faults(text)


def test_french_is_spaced_as_french() -> None:
    texts = {
        f"catalog {message.id!r}": text
        for message in _catalog("fr")
        if message.id
        for text in _texts(message.string)
    }
    texts |= {f"access report {key!r}": text for key, text in access_report_text.FR.items()}
    faults = {where: f for where, text in texts.items() if (f := french_spacing_faults(text))}
    assert faults == {}
