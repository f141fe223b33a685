"""Every string the emails show, in French and in English (same keys in each).

Templates receive `t` (the recipient's strings); `{campaign}`, `{days}` and `{first_name}` are
filled in by the templates with `.format`, before HTML escaping."""

from __future__ import annotations

from typing import Literal, get_args

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)

STRINGS: dict[Locale, dict[str, str]] = {
    "fr": {
        "greeting": "Bonjour {first_name},",
        "confirmation_subject": "Confirmez votre inscription à « {campaign} »",
        "confirmation_intro": (
            "Merci pour votre inscription à « {campaign} ». Pour qu'elle compte, confirmez votre "
            "adresse e-mail :"
        ),
        "confirmation_button": "Confirmer mon inscription",
        "confirmation_how": (
            "Le lien ouvre une page avec un seul bouton : c'est ce bouton qui confirme. "
            "Le lien expire dans {days} jours."
        ),
        "confirmation_ignore": (
            "Si vous ne vous êtes pas inscrite ou inscrit, ignorez ce message : sans confirmation, "
            "l'inscription ne sera pas comptée."
        ),
        "welcome_subject": "Merci pour votre soutien à « {campaign} »",
        "welcome_intro": "Votre inscription à « {campaign} » est bien enregistrée. Merci !",
        "welcome_share": (
            "Chaque soutien compte : parlez de la campagne autour de vous pour l'aider à "
            "atteindre son objectif."
        ),
        "footer_reason": "Vous recevez ce message parce que vous soutenez « {campaign} ».",
        "unsubscribe_link": "Se désabonner",
        "unsubscribe_text": "Pour ne plus recevoir nos e-mails :",
    },
    "en": {
        "greeting": "Hello {first_name},",
        "confirmation_subject": "Confirm your sign-up to “{campaign}”",
        "confirmation_intro": (
            "Thank you for signing up to “{campaign}”. To make it count, confirm your email "
            "address:"
        ),
        "confirmation_button": "Confirm my sign-up",
        "confirmation_how": (
            "The link opens a page with a single button: that button confirms. "
            "The link expires in {days} days."
        ),
        "confirmation_ignore": (
            "If you did not sign up, ignore this email: without confirmation, the sign-up will "
            "not be counted."
        ),
        "welcome_subject": "Thank you for supporting “{campaign}”",
        "welcome_intro": "Your sign-up to “{campaign}” is recorded. Thank you!",
        "welcome_share": (
            "Every supporter counts: tell the people around you about the campaign to help it "
            "reach its goal."
        ),
        "footer_reason": "You receive this email because you support “{campaign}”.",
        "unsubscribe_link": "Unsubscribe",
        "unsubscribe_text": "To stop receiving our emails:",
    },
}
