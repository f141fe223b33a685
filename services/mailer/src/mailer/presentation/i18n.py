"""The emails' languages and the words their code names (subjects); the rest of their words
are in the templates, all of them in the shared catalogs (mobilise_runtime.catalogs)."""

from __future__ import annotations

from mobilise_runtime.catalogs import N_, Wording, wording
from mobilise_runtime.locales import LOCALES, Locale

__all__ = ["LOCALES", "SUBJECTS", "Locale", "Wording", "wording"]

SUBJECTS = {
    "confirmation": N_("Confirm your sign-up to “%(campaign)s”"),
    "welcome": N_("Thank you for supporting “%(campaign)s”"),
}
