"""The processes that serve no HTTP (the consumers, the mailer's Celery worker, the CLIs) never load
the web stack: FastAPI and Starlette took seconds of every cold start of counter-consumer and
13-23 MB of each such process's memory (docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cryptography.fernet import Fernet

# The module each process starts from (its console script's, or Celery's `-A` for the worker),
# after the domain errors they all raise.
ENTRY_POINTS = (
    "mobilise_runtime.errors",
    "counter.entrypoints.consumer",
    "counter.entrypoints.reconcile",
    "signup.entrypoints.projector",
    "signup.entrypoints.retention",
    "mailer.entrypoints.consumer",
    "mailer.entrypoints.tasks",
    "mailer.entrypoints.retention",
)
WEB = ("fastapi", "starlette", "uvicorn", "sse_starlette")
# One interpreter (a cold start costs seconds): each module in turn, and what of the web stack is
# loaded after it; the first module that loads any is the one named.
PROBE = f"""
import importlib, json, sys
loaded = {{}}
for module in {ENTRY_POINTS!r}:
    importlib.import_module(module)
    loaded[module] = sorted(m for m in {WEB!r} if m in sys.modules)
print(json.dumps(loaded))
"""


def test_no_process_without_an_api_imports_the_web_stack() -> None:
    # The worker's settings require its SendGrid key and link keys at import (required secrets
    # at start).
    keys = Fernet.generate_key().decode()
    env = {**os.environ, "MAILER_SENDGRID_API_KEY": "SG.unit-test", "MAILER_TOKEN_KEYS": keys}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert json.loads(probe.stdout) == {module: [] for module in ENTRY_POINTS}
