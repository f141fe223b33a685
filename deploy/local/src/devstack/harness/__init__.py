"""Runs mobilise's own processes (signup-api, the mailer's, the SendGrid stand-in…) as real
processes on a test's or a benchmark's own topics, database and ports; used by tests/ and bench/."""
