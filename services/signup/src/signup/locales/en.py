"""Every string the pages show, in English."""

STRINGS: dict[str, str] = {
    "site_name": "mobilise",
    "skip_to_content": "Skip to content",
    "language": "Language",
    "privacy_link": "Data protection",
    "footer_text": "Campaigns for gender equality.",
    "optional": "optional",
    "progress_pledge": "{signed} signatures towards a goal of {goal}",
    "progress_volunteer": "{signed} volunteers towards a goal of {goal}",
    "progress_pledge_one": "{signed} signature towards a goal of {goal}",
    "progress_volunteer_one": "{signed} volunteer towards a goal of {goal}",
    "campaign_closed": "This campaign is closed and no longer takes signatures. Thank you!",
    "campaign_scheduled": "This campaign opens on {date}. Come back soon!",
    "form_heading_pledge": "Sign the pledge",
    "form_heading_volunteer": "Volunteer",
    "email_label": "Email address",
    "first_name_label": "First name",
    "last_name_label": "Last name",
    "country_label": "Country",
    "country_choose": "Choose your country",
    "region_label": "Region",
    "region_hint": "ISO 3166-2 code of your region, e.g. FR-IDF",
    "skills_legend": "Your skills",
    "skills_hint": "Tick at least one.",
    "skill_digital_skills_training": "Digital skills training",
    "skill_mentoring": "Mentoring women entrepreneurs",
    "skill_coding": "Coding",
    "skill_communication": "Communication",
    "skill_legal_advice": "Legal advice",
    "skill_finance": "Finance",
    "skill_events": "Organising events",
    "skill_translation": "Translation",
    "availability_label": "Availability",
    "availability_choose": "Choose",
    "availability_few_hours_month": "A few hours a month",
    "availability_few_hours_week": "A few hours a week",
    "availability_one_day_week": "One day a week",
    "availability_more": "More",
    "wants_training_label": "I would like training before I start",
    "newsletter_label": "Send me the campaign's news by email",
    "consent_version": "Consent wording, version {version}.",
    "charter_link": "Read our data-protection charter",
    "submit_pledge": "Sign",
    "submit_volunteer": "Sign me up",
    "widget_hosted_link": "Sign on the campaign's own page",
    "widget_refused_title": "Not available here",
    "widget_refused": "This form cannot be shown here. You can sign on the campaign's own page.",
    "sending": "Sending…",
    "error_summary": "There is a problem with the form",
    "error_email": "Enter a valid email address, e.g. name@example.org.",
    "error_first_name": "Enter your first name (at most 80 characters, no < or >).",
    "error_last_name": "Enter a last name of at most 80 characters, no < or >.",
    "error_country": "Choose your country from the list.",
    "error_country_not_covered": "This campaign does not cover that country.",
    "error_region": ("Enter a region code of the chosen country, e.g. FR-IDF, or leave it empty."),
    "error_skills": "Tick at least one skill.",
    "error_availability": "Choose your availability.",
    "error_consent": "Tick this box to sign.",
    "error_consent_changed": (
        "The consent wording has just changed: please read it again, then send the form."
    ),
    "error_rate_limited": (
        "Too many signups have come from your network for this campaign. Please try again in "
        "about {minutes} minutes."
    ),
    "error_rate_limited_short": "Too many signups from your network: please try again later.",
    "error_proof_nojs": (
        "Many people are signing from your network right now. To sign, turn on JavaScript in "
        "your browser (the page then does a short automatic check), or try again later."
    ),
    "proof_working": "Checking…",
    "honeypot_label": "Leave this field empty",
    "error_general": "Your signup could not be recorded. Please try again.",
    "error_offline": (
        "Could not connect: your signup was not sent. Check your connection and try again."
    ),
    "campaign_not_open": "This campaign is not open yet.",
    "thanks_pending_title": "One more step!",
    "thanks_pending": ("Check your inbox to confirm your signup: we have just sent you an email."),
    "thanks_accepted_title": "Thank you!",
    "thanks_accepted": "Thank you! Your signup is recorded.",
    "back_to_campaign": "Back to the campaign",
    "confirm_title": "Confirm your signup",
    "confirm_intro": "One click on the button below confirms your signup.",
    "confirm_button": "Confirm",
    "confirmed_title": "Confirmed!",
    "confirmed_text": "Thank you, your signup is confirmed. You may close this page.",
    "unsubscribe_title": "Unsubscribe",
    "unsubscribe_intro": "You will no longer receive this campaign's emails.",
    "unsubscribe_intro_all": "You will no longer receive any email from our campaigns.",
    "unsubscribe_button": "Unsubscribe me",
    "unsubscribed_title": "You are unsubscribed",
    "unsubscribed_text": "Done: we will not write to you about this again.",
    "link_invalid_title": "This link is not valid",
    "link_invalid_text": "Check that you opened the whole link, exactly as it is in our email.",
    "link_expired_title": "This link has expired",
    "link_expired_text": (
        "This confirmation link is no longer valid. Sign up again on the campaign's page "
        "and you will get a new one."
    ),
    "unavailable_title": "One moment, please",
    "unavailable_text": (
        "The service is briefly unavailable and your request may not have been recorded. "
        "Please try again in a moment: it will count once."
    ),
    "not_found_title": "Campaign not found",
    "not_found_text": "There is no such campaign. Check the page's address.",
    "privacy_title": "Data-protection charter",
    "privacy_intro": (
        "We collect only what we need to count a campaign's supporters and to write to you "
        "if you asked us to."
    ),
    "privacy_collected_heading": "What we collect",
    "privacy_collected": (
        "Your email address, first name, last name if you give it, country and region, "
        "language, and for volunteers their skills and availability."
    ),
    "privacy_why_heading": "Why",
    "privacy_why": (
        "To count each supporter once, to confirm your signup, to offer volunteers "
        "missions, and to send you the campaign's news only if you asked for it. We never "
        "sell or hand over your data."
    ),
    "privacy_retention_heading": "For how long",
    "privacy_retention": (
        "The internal messages that carry your signup between our services are deleted "
        "after 7 days. Our services keep your signup until you ask us to erase it."
    ),
    "privacy_consent_heading": "Your consent",
    "privacy_consent": (
        "We keep a record of your consent: the exact version of the wording you accepted, and when."
    ),
    "privacy_rights_heading": "Your rights",
    "privacy_right_access": "Access: get a copy of your data (export).",
    "privacy_right_erasure": "Erasure: have your data deleted from all our services.",
    "privacy_right_unsubscribe": (
        "Unsubscribe: at any time, with the link in every email we send."
    ),
    "privacy_contact_heading": "Contact",
    "privacy_contact": (
        "To exercise your rights, write to the campaign's organisers at the address given "
        "in our emails."
    ),
}
