"""Every string the pages show, in French."""

STRINGS: dict[str, str] = {
    "site_name": "mobilise",
    "skip_to_content": "Aller au contenu",
    "language": "Langue",
    "privacy_link": "Protection des données",
    "footer_text": "Campagnes pour l'égalité femmes-hommes.",
    "optional": "facultatif",
    "progress_pledge": "{signed} signatures sur un objectif de {goal}",
    "progress_volunteer": "{signed} bénévoles sur un objectif de {goal}",
    "progress_pledge_one": "{signed} signature sur un objectif de {goal}",
    "progress_volunteer_one": "{signed} bénévole sur un objectif de {goal}",
    "campaign_closed": "Cette campagne est close : elle ne reçoit plus de signatures. Merci !",
    "campaign_scheduled": "Cette campagne ouvrira le {date}. Revenez bientôt !",
    "form_heading_pledge": "Je signe",
    "form_heading_volunteer": "Je deviens bénévole",
    "email_label": "Adresse e-mail",
    "first_name_label": "Prénom",
    "last_name_label": "Nom",
    "country_label": "Pays",
    "country_choose": "Choisissez votre pays",
    "region_label": "Région",
    "region_hint": "Code ISO 3166-2 de votre région, par ex. FR-IDF",
    "skills_legend": "Vos compétences",
    "skills_hint": "Cochez au moins une case.",
    "skill_digital_skills_training": "Formation au numérique",
    "skill_mentoring": "Mentorat d'entrepreneures",
    "skill_coding": "Programmation",
    "skill_communication": "Communication",
    "skill_legal_advice": "Conseil juridique",
    "skill_finance": "Finance",
    "skill_events": "Organisation d'événements",
    "skill_translation": "Traduction",
    "availability_label": "Disponibilité",
    "availability_choose": "Choisissez",
    "availability_few_hours_month": "Quelques heures par mois",
    "availability_few_hours_week": "Quelques heures par semaine",
    "availability_one_day_week": "Un jour par semaine",
    "availability_more": "Davantage",
    "wants_training_label": "Je souhaite être formée ou formé avant de commencer",
    "newsletter_label": "Je souhaite recevoir les nouvelles de la campagne par e-mail",
    "consent_version": "Texte de consentement, version {version}.",
    "charter_link": "Lire notre charte de protection des données",
    "submit_pledge": "Signer",
    "submit_volunteer": "Je m'inscris",
    "widget_hosted_link": "Signer sur la page de la campagne",
    "widget_refused_title": "Indisponible ici",
    "widget_refused": (
        "Ce formulaire ne peut pas s'afficher ici. Vous pouvez signer sur la page de la campagne."
    ),
    "sending": "Envoi en cours…",
    "error_summary": "Le formulaire contient des erreurs",
    "error_email": "Saisissez une adresse e-mail valide, par ex. nom@exemple.fr.",
    "error_first_name": "Saisissez votre prénom (80 caractères au plus, sans < ni >).",
    "error_last_name": "Saisissez un nom de 80 caractères au plus, sans < ni >.",
    "error_country": "Choisissez votre pays dans la liste.",
    "error_country_not_covered": "Cette campagne ne couvre pas ce pays.",
    "error_region": (
        "Saisissez un code de région du pays choisi, par ex. FR-IDF, ou laissez vide."
    ),
    "error_skills": "Cochez au moins une compétence.",
    "error_availability": "Choisissez votre disponibilité.",
    "error_consent": "Cochez cette case pour signer.",
    "error_consent_changed": (
        "Le texte de consentement vient de changer : relisez-le puis envoyez à nouveau."
    ),
    "error_rate_limited": (
        "Trop d'inscriptions sont venues de votre réseau pour cette campagne. Réessayez dans "
        "{minutes} minutes environ."
    ),
    "error_rate_limited_short": "Trop d'inscriptions depuis votre réseau : réessayez plus tard.",
    "error_proof_nojs": (
        "Beaucoup de personnes signent depuis votre réseau en ce moment. Pour signer, activez "
        "JavaScript dans votre navigateur (la page fait alors une courte vérification "
        "automatique), ou réessayez plus tard."
    ),
    "proof_working": "Vérification…",
    "honeypot_label": "Laissez ce champ vide",
    "error_general": "Votre inscription n'a pas pu être enregistrée. Réessayez.",
    "error_offline": (
        "Connexion impossible : votre inscription n'a pas été envoyée. "
        "Vérifiez votre connexion et réessayez."
    ),
    "campaign_not_open": "Cette campagne n'est pas encore ouverte.",
    "thanks_pending_title": "Plus qu'une étape !",
    "thanks_pending": (
        "Consultez votre boîte de réception pour confirmer votre inscription : "
        "nous venons de vous envoyer un e-mail."
    ),
    "thanks_accepted_title": "Merci !",
    "thanks_accepted": "Merci ! Votre inscription est bien enregistrée.",
    "back_to_campaign": "Retour à la campagne",
    "confirm_title": "Confirmez votre inscription",
    "confirm_intro": "Un clic sur le bouton ci-dessous confirme votre inscription.",
    "confirm_button": "Je confirme",
    "confirmed_title": "C'est confirmé !",
    "confirmed_text": "Merci, votre inscription est confirmée. Vous pouvez fermer cette page.",
    "unsubscribe_title": "Se désabonner",
    "unsubscribe_intro": "Vous ne recevrez plus les e-mails de cette campagne.",
    "unsubscribe_intro_all": "Vous ne recevrez plus aucun e-mail de nos campagnes.",
    "unsubscribe_button": "Me désabonner",
    "unsubscribed_title": "Vous êtes désabonné·e",
    "unsubscribed_text": "C'est fait : nous ne vous écrirons plus à ce sujet.",
    "link_invalid_title": "Ce lien n'est pas valide",
    "link_invalid_text": (
        "Vérifiez que vous avez ouvert le lien complet, tel qu'il figure dans notre e-mail."
    ),
    "link_expired_title": "Ce lien a expiré",
    "link_expired_text": (
        "Ce lien de confirmation n'est plus valable. Inscrivez-vous à nouveau sur la page "
        "de la campagne : vous recevrez un nouveau lien."
    ),
    "unavailable_title": "Un instant, s'il vous plaît",
    "unavailable_text": (
        "Le service est momentanément indisponible : votre demande n'a peut-être pas été "
        "enregistrée. Réessayez dans un moment ; elle ne comptera qu'une fois."
    ),
    "not_found_title": "Campagne introuvable",
    "not_found_text": "Cette campagne n'existe pas. Vérifiez l'adresse de la page.",
    "privacy_title": "Charte de protection des données",
    "privacy_intro": (
        "Nous ne recueillons que ce qu'il faut pour compter les soutiens d'une campagne "
        "et vous écrire si vous l'avez demandé."
    ),
    "privacy_collected_heading": "Ce que nous recueillons",
    "privacy_collected": (
        "Votre adresse e-mail, votre prénom, votre nom si vous le donnez, votre pays et "
        "votre région, votre langue, et pour les bénévoles vos compétences et disponibilités."
    ),
    "privacy_why_heading": "Pourquoi",
    "privacy_why": (
        "Pour compter chaque soutien une seule fois, confirmer votre inscription, vous "
        "proposer des missions si vous êtes bénévole, et vous envoyer les nouvelles de la "
        "campagne seulement si vous l'avez demandé. Nous ne vendons ni ne cédons vos données."
    ),
    "privacy_retention_heading": "Combien de temps",
    "privacy_retention": (
        "Les messages internes qui transportent votre inscription entre nos services sont "
        "effacés au bout de 7 jours. Nos services conservent votre inscription jusqu'à ce "
        "que vous en demandiez l'effacement."
    ),
    "privacy_consent_heading": "Votre consentement",
    "privacy_consent": (
        "Nous gardons la trace de votre consentement : la version exacte du texte que vous "
        "avez accepté et sa date."
    ),
    "privacy_rights_heading": "Vos droits",
    "privacy_right_access": "Accès : recevoir une copie de vos données (export).",
    "privacy_right_erasure": "Effacement : supprimer vos données de tous nos services.",
    "privacy_right_unsubscribe": (
        "Désabonnement : à tout moment, par le lien présent dans chacun de nos e-mails."
    ),
    "privacy_contact_heading": "Contact",
    "privacy_contact": (
        "Pour exercer vos droits, écrivez aux organisatrices et organisateurs de la campagne, "
        "à l'adresse indiquée dans nos e-mails."
    ),
}
