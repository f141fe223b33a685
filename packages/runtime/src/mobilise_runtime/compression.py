"""Compressed responses, for supporters on 2G/3G phones: gzip, by Starlette's own middleware, for
every client that accepts it. It leaves Server-Sent Events alone (a stream must not wait for a
compressor's buffer) and answers that already carry a Content-Encoding (pre-compressed pages)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

# Below this a response fits in one packet anyway; level 6 is zlib's own balance of size and CPU
# (level 9 costs twice the time for ~1 % fewer bytes on our pages).
MINIMUM_BYTES = 500
LEVEL = 6


def compress_responses(app: FastAPI) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=MINIMUM_BYTES, compresslevel=LEVEL)
