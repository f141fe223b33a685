"""The hosted page's form without JavaScript: what was submitted, turned into the JSON API's own
models (the same rules), and every refusal placed next to the field it is about, in words of the
page's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mobilise_runtime.errors import DomainError, Rejected, Unavailable
from signup.domain.campaigns import Kind
from signup.domain.errors import Closed, NotOpenYet, ProofRequired, TooManyRequests
from signup.presentation import wording as words
from signup.presentation.i18n import Locale, Wording
from signup.schemas.signups import PledgeIn, VolunteerIn

# The inputs of the form; each has its own message (wording.FIELD_ERRORS).
FIELDS = tuple(words.FIELD_ERRORS)
# Where an error about no visible field goes: the top of the form.
GENERAL = "form"
_PLEDGE_TEXT = ("email", "first_name", "last_name", "country", "region")
_TEXT = (*_PLEDGE_TEXT, "availability")
# The honeypot: hidden from people, filled by robots that fill every field.
HONEYPOT = "fax"
SHOW_REGIONS = "show_regions"
_TICKED = ("newsletter_opt_in", "wants_training", "consent")


@dataclass(frozen=True)
class Submitted:
    """The form as sent; shown again, as typed, when it is refused."""

    text: Mapping[str, str]  # trimmed; empty inputs are absent
    skills: tuple[str, ...]
    ticked: frozenset[str]
    consent_text_version: str
    # The form without JavaScript asked for the chosen country's regions, not to sign.
    show_regions: bool = False

    @classmethod
    def read(cls, pairs: Iterable[tuple[str, object]]) -> Submitted:
        text: dict[str, str] = {}
        skills: list[str] = []
        ticked: set[str] = set()
        version = ""
        show_regions = False
        for name, raw in pairs:
            if not isinstance(raw, str):
                continue  # a file: the form has no file input
            value = raw.strip()
            if name in _TEXT and value:
                text[name] = value
            elif name == "skills":
                skills.append(value)
            elif name in _TICKED:
                ticked.add(name)
            elif name == "consent_text_version":
                version = value
            elif name == HONEYPOT and value:
                text[name] = value
            elif name == SHOW_REGIONS:
                show_regions = True
        return cls(text, tuple(skills), frozenset(ticked), version, show_regions)


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors  # field (or GENERAL) -> its message (a msgid)


def signup_from_form(
    submitted: Submitted, *, kind: Kind, locale: Locale, partner: str | None = None
) -> PledgeIn:
    """The signup the form describes, as the JSON API would take it; FormInvalid otherwise.
    `partner`: the form is a partner's embed (the page's own, not a field of the form)."""
    names = _TEXT if kind == "volunteer" else _PLEDGE_TEXT
    data: dict[str, Any] = {
        **{name: submitted.text[name] for name in names if name in submitted.text},
        "locale": locale,
        "newsletter_opt_in": "newsletter_opt_in" in submitted.ticked,
        "consent_text_version": submitted.consent_text_version,
        "partner": partner,
        HONEYPOT: submitted.text.get(HONEYPOT),
    }
    model: type[PledgeIn] = PledgeIn
    if kind == "volunteer":
        model = VolunteerIn
        data["skills"] = list(submitted.skills)
        data["wants_training"] = "wants_training" in submitted.ticked
    errors: dict[str, str] = {}
    signup: PledgeIn | None = None
    try:
        signup = model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
    # Consent is the form's own question: the API's clients ask it their own way.
    if "consent" not in submitted.ticked:
        errors["consent"] = words.FIELD_ERRORS["consent"]
    if signup is None or errors:
        raise FormInvalid(errors)
    return signup


def field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        field = str(loc[0]) if loc and loc[0] in FIELDS else GENERAL
        # GENERAL: a hidden input or the model as a whole, nothing the person can correct.
        errors.setdefault(
            field, words.GENERAL_ERROR if field == GENERAL else words.FIELD_ERRORS[field]
        )
    return errors


def refusal_messages(exc: DomainError, language: Wording) -> dict[str, str]:
    """What the page says, and where, when the campaign's rules refuse a well-formed signup."""
    _ = language.gettext
    if isinstance(exc, Rejected) and exc.field == "country":
        return {"country": _(words.COUNTRY_NOT_COVERED)}
    if isinstance(exc, Rejected) and exc.field == "consent_text_version":
        return {GENERAL: _(words.CONSENT_CHANGED)}
    if isinstance(exc, TooManyRequests):
        minutes = max(1, -(-exc.retry_after_s // 60))
        return {
            GENERAL: language.ngettext(
                "Too many signups have come from your network for this campaign. Please try "
                "again in about %(num)s minute.",
                "Too many signups have come from your network for this campaign. Please try "
                "again in about %(num)s minutes.",
                minutes,
            )
        }
    general = {
        Closed: words.CAMPAIGN_CLOSED,
        NotOpenYet: words.CAMPAIGN_NOT_OPEN,
        Unavailable: words.UNAVAILABLE,
        # The form without JavaScript cannot compute a proof of work: say how to sign anyway.
        ProofRequired: words.PROOF_NEEDS_JS,
    }
    message = next((m for cls, m in general.items() if isinstance(exc, cls)), None)
    return {GENERAL: _(message) if message else exc.message}
