"""The words of the access report (presentation/access_report.py), in the two languages supporters
sign in. Field names the services answer with are labelled here; a field without a label shows its
name."""

from __future__ import annotations

from mobilise_runtime.locales import Locale

EN: dict[str, str] = {
    "title": "Your personal data",
    "intro": "Everything mobilise holds about {email}, gathered on {at} from each of its "
    "services. Each section names the service that holds the data (its source).",
    "source": "Source",
    "labelled": "{label}: {value}",
    "separator": "; ",
    "heading_signup": "Your signatures and consents",
    "heading_mailer": "Emails",
    "heading_counter": "Campaign totals",
    "source_signup": "the signup service (its supporter records)",
    "source_mailer": "the mailer service (recipients, mail log, suppressions, erasures)",
    "source_counter": "the counter service",
    "counter_text": "The totals count you without holding your address or your name: only a "
    "keyed hash that cannot be traced back to you without the signup service's secret.",
    "nothing": "Nothing.",
    "not_asked": "Not part of this answer (the mailer service was not asked).",
    "campaign": "Campaign",
    "consents": "Consents you gave",
    "at": "When",
    "consent_text_version": "Consent text version",
    "newsletter_opt_in": "Newsletter",
    "partner": "Through partner",
    "recipients": "What the mailer keeps to write to you",
    "mails": "Emails sent to you",
    "message": "Email",
    "suppressions": "Addresses we must not write to",
    "reason": "Reason",
    "scope_all": "every campaign",
    "erased_at": "Erased on",
    "yes": "yes",
    "no": "no",
    "rights": "You may ask for this data to be corrected or erased, or withdraw your consent, "
    "by writing to the campaign's organisers. How long each datum is kept and why:",
    "charter": "data protection charter",
    "kind": "Signed as",
    "kind_pledge": "signatory of the pledge",
    "kind_volunteer": "volunteer",
    "email": "Email address",
    "first_name": "First name",
    "last_name": "Last name",
    "country": "Country",
    "region": "Region",
    "locale": "Language",
    "volunteer": "Volunteering",
    "signed_at": "Signed on",
    "confirmed": "Address confirmed",
    "confirmed_at": "Confirmed on",
    "unsubscribed_at": "Unsubscribed on",
    "campaign_id": "Campaign",
    "campaign_slug": "Campaign",
    "claimed_at": "Sent on",
    "suppressed_at": "Since",
    "link_tokens_held": "Links held (unsubscribe, confirm)",
    "signup_id": "Signature",
    "supporter_key": "Pseudonymous key",
}

FR: dict[str, str] = {
    "title": "Vos données personnelles",
    "intro": "Tout ce que mobilise détient sur {email}, rassemblé le {at} auprès de chacun de "
    "ses services. Chaque partie nomme le service qui détient les données (sa source).",
    "source": "Source",
    # French spacing: no-break spaces before ":" and ";" (tests/unit/test_catalogs.py).
    "labelled": "{label}\u00a0: {value}",
    "separator": "\u202f; ",
    "heading_signup": "Vos signatures et consentements",
    "heading_mailer": "Courriels",
    "heading_counter": "Totaux des campagnes",
    "source_signup": "le service des signatures (ses fiches de signataires)",
    "source_mailer": "le service des courriels (destinataires, journal d'envoi, oppositions, "
    "effacements)",
    "source_counter": "le service des compteurs",
    "counter_text": "Les totaux vous comptent sans garder ni votre adresse ni votre nom\u00a0: "
    "seulement une empreinte à clé, impossible à relier à vous sans le secret du service des "
    "signatures.",
    "nothing": "Rien.",
    "not_asked": "Absent de cette réponse (le service des courriels n'a pas été interrogé).",
    "campaign": "Campagne",
    "consents": "Consentements donnés",
    "at": "Quand",
    "consent_text_version": "Version du texte de consentement",
    "newsletter_opt_in": "Lettre d'information",
    "partner": "Par le partenaire",
    "recipients": "Ce que le service des courriels garde pour vous écrire",
    "mails": "Courriels envoyés",
    "message": "Courriel",
    "suppressions": "Adresses auxquelles nous ne devons plus écrire",
    "reason": "Motif",
    "scope_all": "toutes les campagnes",
    "erased_at": "Effacé le",
    "yes": "oui",
    "no": "non",
    "rights": "Vous pouvez demander que ces données soient corrigées ou effacées, ou retirer "
    "votre consentement, en écrivant aux organisatrices de la campagne. Combien de temps chaque "
    "donnée est gardée, et pourquoi\u00a0:",
    "charter": "charte de protection des données",
    "kind": "Signé comme",
    "kind_pledge": "signataire de l'engagement",
    "kind_volunteer": "bénévole",
    "email": "Adresse électronique",
    "first_name": "Prénom",
    "last_name": "Nom",
    "country": "Pays",
    "region": "Région",
    "locale": "Langue",
    "volunteer": "Bénévolat",
    "signed_at": "Signé le",
    "confirmed": "Adresse confirmée",
    "confirmed_at": "Confirmée le",
    "unsubscribed_at": "Désinscrit le",
    "campaign_id": "Campagne",
    "campaign_slug": "Campagne",
    "claimed_at": "Envoyé le",
    "suppressed_at": "Depuis",
    "link_tokens_held": "Liens détenus (désinscription, confirmation)",
    "signup_id": "Signature",
    "supporter_key": "Clé pseudonyme",
}

TEXT: dict[Locale, dict[str, str]] = {"en": EN, "fr": FR}
