"""A stand-in for the counter's GET /api/v1/campaigns/{slug}/totals (DESIGN.md's contract), for
testing the signup pages' progress bar before and apart from the counter service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def counter_totals(totals: dict[str, dict[str, Any]]) -> Iterator[str]:
    """Serves `totals[slug]` (404 for a slug it lacks; fill it in at any time); yields the URL."""

    class Totals(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            slug = self.path.removeprefix("/api/v1/campaigns/").removesuffix("/totals")
            body = totals.get(slug)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body or {"detail": "not found"}).encode())

        def log_message(self, *args: object) -> None:
            pass  # the test's output is not the place for an access log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Totals)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def totals_of(slug: str, *, goal: int, signed: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "goal": goal,
        "signed": signed,
        "confirmed": 0,
        "volunteers": 0,
        "by_country": {},
        "by_region": {},
        "by_macro_region": {},
        "by_partner": {},
        "updated_at": "2026-03-08T10:00:00Z",
    }
