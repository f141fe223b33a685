"""The mailer's pure rules: no network, no database, no framework."""
