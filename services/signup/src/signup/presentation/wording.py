"""The signup pages' and widget's words that the code names rather than the templates: msgids
marked `N_()`, translated per request from the shared catalogs (mobilise_runtime.catalogs).
Languages, numbers and place names are shared too (mobilise_runtime.locales)."""

from __future__ import annotations

from typing import Any

from mobilise_runtime.catalogs import N_, Nn_, Wording

SKILLS = {
    "digital_skills_training": N_("Digital skills training"),
    "mentoring": N_("Mentoring women entrepreneurs"),
    "coding": N_("Coding"),
    "communication": N_("Communication"),
    "legal_advice": N_("Legal advice"),
    "finance": N_("Finance"),
    "events": N_("Organising events"),
    "translation": N_("Translation"),
}
AVAILABILITIES = {
    "few_hours_month": N_("A few hours a month"),
    "few_hours_week": N_("A few hours a week"),
    "one_day_week": N_("One day a week"),
    "more": N_("More"),
}
# Each input of the form has its own message.
FIELD_ERRORS = {
    "email": N_("Enter a valid email address, e.g. name@example.org."),
    "first_name": N_("Enter your first name (at most 80 characters, no < or >)."),
    "last_name": N_("Enter a last name of at most 80 characters, no < or >."),
    "country": N_("Choose your country from the list."),
    "region": N_("Choose a region of the chosen country from the list, or none."),
    "skills": N_("Tick at least one skill."),
    "availability": N_("Choose your availability."),
    "consent": N_("Tick this box to sign."),
}
GENERAL_ERROR = N_("Your signup could not be recorded. Please try again.")
COUNTRY_NOT_COVERED = N_("This campaign does not cover that country.")
CONSENT_CHANGED = N_(
    "The consent wording has just changed: please read it again, then send the form."
)
CAMPAIGN_CLOSED = N_("This campaign is closed and no longer takes signatures. Thank you!")
CAMPAIGN_NOT_OPEN = N_("This campaign is not open yet.")
UNAVAILABLE_TITLE = N_("One moment, please")
UNAVAILABLE = N_(
    "The service is briefly unavailable and your request may not have been recorded. "
    "Please try again in a moment: it will count once."
)
PROOF_NEEDS_JS = N_(
    "Many people are signing from your network right now. To sign, turn on JavaScript in "
    "your browser (the page then does a short automatic check), or try again later."
)
NOT_FOUND_TITLE = N_("Campaign not found")
NOT_FOUND = N_("There is no such campaign. Check the page's address.")
WIDGET_REFUSED_TITLE = N_("Not available here")
LINK_INVALID_TITLE = N_("This link is not valid")
LINK_INVALID = N_("Check that you opened the whole link, exactly as it is in our email.")
LINK_EXPIRED_TITLE = N_("This link has expired")
LINK_EXPIRED = N_(
    "This confirmation link is no longer valid. Sign up again on the campaign's page "
    "and you will get a new one."
)
THANKS = {
    "pending_confirmation": (
        N_("One more step!"),
        N_("Check your inbox to confirm your signup: we have just sent you an email."),
    ),
    "accepted": (N_("Thank you!"), N_("Thank you! Your signup is recorded.")),
}
# The widget's words, under the names widget.js knows them by (GET …/widget: `strings`).
WIDGET = {
    "email_label": N_("Email address"),
    "first_name_label": N_("First name"),
    "last_name_label": N_("Last name"),
    "optional": N_("optional"),
    "country_label": N_("Country"),
    "country_choose": N_("Choose your country"),
    "region_label": N_("Region"),
    "region_choose": N_("Choose your region"),
    "region_needs_country": N_("Choose your country first"),
    "skills_legend": N_("Your skills"),
    "skills_hint": N_("Tick at least one."),
    "availability_label": N_("Availability"),
    "availability_choose": N_("Choose"),
    "wants_training_label": N_("I would like training before I start"),
    "newsletter_label": N_("Send me the campaign's news by email"),
    "charter_link": N_("Read our data-protection charter"),
    "sending": N_("Sending…"),
    "proof_working": N_("Checking…"),
    "error_rate_limited_short": N_("Too many signups from your network: please try again later."),
    "honeypot_label": N_("Leave this field empty"),
    "error_summary": N_("There is a problem with the form"),
    "error_country_not_covered": COUNTRY_NOT_COVERED,
    "error_consent_changed": CONSENT_CHANGED,
    "error_general": GENERAL_ERROR,
    "error_offline": N_(
        "Could not connect: your signup was not sent. Check your connection and try again."
    ),
    "unavailable_text": UNAVAILABLE,
    "campaign_closed": CAMPAIGN_CLOSED,
    "campaign_not_open": CAMPAIGN_NOT_OPEN,
    "thanks_pending_title": THANKS["pending_confirmation"][0],
    "thanks_pending": THANKS["pending_confirmation"][1],
    "thanks_accepted_title": THANKS["accepted"][0],
    "thanks_accepted": THANKS["accepted"][1],
    "widget_hosted_link": N_("Sign on the campaign's own page"),
    "widget_refused": N_(
        "This form cannot be shown here. You can sign on the campaign's own page."
    ),
    **{f"error_{field}": message for field, message in FIELD_ERRORS.items()},
}


def form_heading(kind: str, words: Wording) -> str:
    return words.gettext(N_("Volunteer") if kind == "volunteer" else N_("Sign the pledge"))


def submit_label(kind: str, words: Wording) -> str:
    return words.gettext(N_("Sign me up") if kind == "volunteer" else N_("Sign"))


def consent_version(version: str, words: Wording) -> str:
    return words.gettext(N_("Consent wording, version %(version)s."), version=version)


PROGRESS = {
    "pledge": Nn_(
        "%(num)s signature towards a goal of %(goal)s",
        "%(num)s signatures towards a goal of %(goal)s",
    ),
    "volunteer": Nn_(
        "%(num)s volunteer towards a goal of %(goal)s",
        "%(num)s volunteers towards a goal of %(goal)s",
    ),
}


def progress(kind: str, signed: int, goal: int, words: Wording) -> str:
    """ "1 signature", "2 signatures", "11 توقيعًا": the language's own plural rules."""
    return words.ngettext(*PROGRESS[kind], signed, goal=words.number(goal))


def progress_forms(kind: str, words: Wording) -> dict[str, str]:
    """The progress sentence of each CLDR plural category, "{num}" and "{goal}" for scripts
    (which choose with Intl.PluralRules)."""
    return words.plural_forms(*PROGRESS[kind], goal="{goal}")


def widget_words(kind: str, words: Wording) -> dict[str, Any]:
    return {
        **{name: words.gettext(message) for name, message in WIDGET.items()},
        "heading": form_heading(kind, words),
        "submit": submit_label(kind, words),
        "consent_version": consent_version("{version}", words),
    }
