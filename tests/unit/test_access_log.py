"""The API processes' access log lines carry no client address (docs/privacy.md)."""

from __future__ import annotations

import json
import logging

import pytest

from mobilise_runtime.logging import configure_logging


def test_an_access_line_keeps_the_request_and_drops_the_client_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("signup-api", "json")
    configure_logging("signup-api", "json")  # configured twice: still one filter, still works
    # What uvicorn's HTTP protocols log for each request.
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "203.0.113.7:51234", "POST", "/c/x", "1.1", 303)
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert line["event"] == '- - "POST /c/x HTTP/1.1" 303'
    assert "203.0.113.7" not in json.dumps(line)
