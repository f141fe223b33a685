"""Request bounds, checked before anything is parsed: a body larger than the limit is refused with
413; control characters in a JSON body, the query string or the path with 422
(mobilise_runtime.control_characters)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mobilise_runtime import control_characters


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        if control_characters.in_query(scope["query_string"]) or control_characters.in_text(
            scope["path"]
        ):
            await _answer(send, 422, f"query or path: {control_characters.REFUSED}")
            return
        # Without a (truthful) Content-Length, read up to the limit before the app sees anything.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"") and control_characters.in_json(body):
            where = control_characters.where_in_json(body)
            await _answer(send, 422, f"{where}: {control_characters.REFUSED}")
            return
        await self.app(scope, replaying(body, receive), send)

    async def _refuse(self, send: Send) -> None:
        await _answer(send, 413, f"the request body is larger than {self.max_bytes} bytes")


def replaying(body: bytes, receive: Receive) -> Receive:
    """A request's `receive` for the app behind a layer that read the whole `body` first."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _answer(send: Send, status: int, detail: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps({"detail": detail}).encode()})
