"""The live totals' stream as the server runs it (ASGI receive and send, as small fakes): each
stream is its request's task alone (10,000 viewers on one process: bench/counter_viewers.py),
sends the totals then each change, ends when its client goes, and ends every stream, cleanly,
when the server stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

from counter.adapters.campaigns import Campaign
from counter.application.reader import TotalsReader
from counter.presentation.stream import SseFrames, stream_for
from counter.repository import TotalsQueries
from tests.unit import polling

STREAMS = 20
CAMPAIGN = Campaign(id="c1", slug="c", kind="pledge", title={"en": "C"}, goal=100)


class Documents(TotalsQueries):
    """The stored totals document, in memory."""

    def __init__(self) -> None:
        self.signed = 0

    async def totals(self, campaign_id: str) -> dict[str, Any]:
        return {"_id": campaign_id, "signed": self.signed, "confirmed": 0, "volunteers": 0}


class Client:
    """One viewer's side of the connection: what it was sent, and whether it went."""

    def __init__(self) -> None:
        self.sent: list[MutableMapping[str, Any]] = []
        self.gone = asyncio.Event()
        self._asked = False

    async def receive(self) -> dict[str, Any]:
        if not self._asked:  # the GET's (empty) body, then nothing until the client goes
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.sent.append(message)

    def saw(self, signed: int) -> bool:
        return any(f'"signed":{signed},'.encode() in m.get("body", b"") for m in self.sent)


async def until(check: Callable[[], bool]) -> None:
    """A condition the streams make true in their own time."""
    await polling.until(check, within_s=10, every_s=0.05)


async def test_a_stream_is_one_task_until_its_client_goes_or_the_server_stops() -> None:
    stopping = asyncio.Event()
    documents = Documents()
    reader = TotalsReader(documents, stopping.is_set, frames=SseFrames())
    before = len(asyncio.all_tasks())
    clients = [Client() for _ in range(STREAMS)]
    first = await reader.totals(CAMPAIGN)
    scope = {"type": "http", "method": "GET"}
    streams = [
        asyncio.create_task(stream_for(reader, CAMPAIGN, first)(scope, c.receive, c.send))
        for c in clients
    ]
    await until(lambda: all(c.saw(0) for c in clients))
    assert clients[0].sent[0]["headers"][0] == (
        b"content-type",
        b"text/event-stream; charset=utf-8",
    )
    # The streams' tasks and the campaign's one watcher: no task per stream waiting for its client.
    assert len(asyncio.all_tasks()) - before == STREAMS + 1

    documents.signed = 1
    await until(lambda: all(c.saw(1) for c in clients))

    clients[0].gone.set()
    await until(streams[0].done)
    assert not any(s.done() for s in streams[1:])
    documents.signed = 2
    await until(lambda: all(c.saw(2) for c in clients[1:]))

    stopping.set()
    await until(lambda: all(s.done() for s in streams))
    for client in clients[1:]:
        assert client.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert clients[0].sent[-1]["more_body"], "a client gone is sent nothing more"
    await reader.close()
