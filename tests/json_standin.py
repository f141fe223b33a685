"""A small HTTP server standing in for another service's GET of a JSON document by its path, for
testing a service apart from the ones it reads: what a test put in `documents` is served (200),
anything else is a 404 with a JSON `detail`; it may be stopped before the test ends."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonStandIn:
    """Serves `documents[key(path)]`; fill `documents` in at any time."""

    def __init__(self, documents: Mapping[str, Any], key: Callable[[str], str]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = documents.get(key(self.path))
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body or {"detail": "not found"}).encode())

            def log_message(self, *args: object) -> None:
                pass  # the test's output is not the place for an access log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        """From now on, nothing answers at `url`."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


@contextmanager
def json_standin(documents: Mapping[str, Any], key: Callable[[str], str]) -> Iterator[JsonStandIn]:
    stand_in = JsonStandIn(documents, key)
    try:
        yield stand_in
    finally:
        stand_in.stop()
