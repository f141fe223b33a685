"""mobilise_runtime.lean_http: uvicorn's httptools protocol with lighter connections answers as
uvicorn's own does (keep-alive, pipelined requests, a request in pieces, a body), and holds no
parser between two requests (counter-api's 10,000 viewers: bench/counter_viewers.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from devstack.harness.processes import free_port
from mobilise_runtime.lean_http import LeanHttpToolsProtocol, ListEvent


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers the path and the body it was sent."""
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    answer = scope["path"].encode() + b" " + body
    headers = [(b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


@contextlib.asynccontextmanager
async def served() -> AsyncIterator[tuple[uvicorn.Server, int]]:
    port = free_port()
    config = uvicorn.Config(
        echo, port=port, http=LeanHttpToolsProtocol, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):  # bounded: up within 10 s
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield server, port
    finally:
        server.should_exit = True
        await task


async def read_answers(reader: asyncio.StreamReader, count: int) -> list[bytes]:
    answers = []
    for _ in range(count):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        answers.append(await reader.readexactly(length))
    return answers


def holds_parser(connection: LeanHttpToolsProtocol) -> bool:
    parser: object = connection.parser
    return parser is not None


async def test_lean_connections_answer_as_uvicorn_s_and_keep_no_parser_between_requests() -> None:
    async with served() as (server, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        get = b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n"
        writer.write(get % b"one")
        assert await read_answers(reader, 1) == [b"/one "]
        (connection,) = server.server_state.connections
        assert isinstance(connection, LeanHttpToolsProtocol)
        assert not holds_parser(connection), "no parser kept between two requests"

        writer.write(get % b"two" + get % b"three")  # pipelined
        assert await read_answers(reader, 2) == [b"/two ", b"/three "]

        post = b"POST /four HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        for piece in (post[:10], post[10:40], post[40:]):  # a request in pieces
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.05)  # most likely apart (the answer is the same if not)
        assert await read_answers(reader, 1) == [b"/four hello"]
        assert not holds_parser(connection)
        writer.close()
        await writer.wait_closed()


async def test_a_list_event_is_an_asyncio_event() -> None:
    event = ListEvent()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not event.is_set()
    assert not any(w.done() for w in waiters)
    event.set()
    assert await asyncio.gather(*waiters) == [True, True, True]
    assert await event.wait()
    event.clear()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert event._waiters == [], "a cancelled wait leaves nothing behind"
