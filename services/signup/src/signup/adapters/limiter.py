"""The only module that talks to Redis: token buckets taken atomically, several at once, by one
Lua script (Redis's clock, so every API process agrees), and proofs of work spent once. The takes
of the requests in flight are sent together, one pipeline per turn of the event loop."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from redis.asyncio.connection import Connection
from redis.connection import HiredisRespSerializer
from redis.exceptions import NoScriptError

from signup.domain.limits import Bucket

# KEYS: the buckets, then the spent-proof key (or a dummy); ARGV: proof TTL in ms (0: no proof),
# then per bucket: capacity, tokens per ms, proof floor. Either every bucket gives a token, or
# none does: a refused signup costs nothing. Returns {verdict, wait_ms}: 0 taken, 1 a proof of
# work is needed, 2 empty (wait_ms until a token is back).
_TAKE = """
local buckets = #KEYS - 1
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels, wait, needs_proof = {}, 0, false
for i = 1, buckets do
  local capacity = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  local floor = tonumber(ARGV[3 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) / rate)) end
  if tokens - 1 < floor then needs_proof = true end
end
if wait > 0 then return {2, wait} end
if needs_proof then
  local ttl = tonumber(ARGV[1])
  if ttl <= 0 or not redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ttl) then return {1, 0} end
end
for i = 1, buckets do
  local capacity = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - 1), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate))
end
return {0, 0}
"""


class Verdict(enum.Enum):
    TAKEN = 0
    PROOF_NEEDED = 1
    EMPTY = 2


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    retry_after_ms: int = 0


# One call's script arguments, and the future its outcome is given to.
_Take = tuple[list[str], list[float | int], "asyncio.Future[list[int]]"]


class _HiredisPacked(Connection):
    """redis-py's asyncio connection packs each command in Python, ~1 us an argument (a third
    of a take's CPU: a take has ~13); its sync connection packs them with hiredis, as this one
    does, by redis-py's own serializer: the same bytes on the wire (tests/unit)."""

    _packer = HiredisRespSerializer()

    def pack_command(self, *args: Any) -> list[bytes]:
        packed: list[bytes] = self._packer.pack(*args)
        return packed


class Limiter:
    def __init__(self, url: str, *, timeout_s: float) -> None:
        # The whole pipeline is bounded here (asyncio.timeout, TimeoutError), not each socket
        # operation by redis-py: its socket timeout wraps every write in a task of its own
        # (asyncio.wait_for), a fifth of the intake's Redis time. A call cut short closes its
        # connection (redis-py does on any interruption), so no late reply is read as another's.
        self._timeout_s = timeout_s
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=None,
            socket_connect_timeout=timeout_s,
            connection_class=_HiredisPacked,
        )
        self._sha = self._redis.register_script(_TAKE).sha
        # The takes asked in one turn of the event loop, sent together (`_flush`).
        self._waiting: list[_Take] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def take(
        self,
        buckets: Sequence[tuple[str, Bucket]],
        *,
        proof: str | None = None,
        proof_ttl_ms: int = 0,
    ) -> Outcome:
        """One token from every (key, bucket); a proof of work (its challenge's key) is spent
        only when a bucket is past its soft threshold, and only once."""
        keys = [key for key, _ in buckets] + [proof or "mobilise:no-proof"]
        args: list[float | int] = [proof_ttl_ms if proof else 0]
        for _, bucket in buckets:
            args += [bucket.hard, bucket.rate_per_ms, bucket.proof_floor]
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[list[int]] = loop.create_future()
        if not self._waiting:
            # After every request ready in this turn has asked: one pipeline for all of them
            # (one write and one read instead of one each per signup, on one connection).
            loop.call_soon(self._flush)
        self._waiting.append((keys, args, reply))
        # No timer of its own: `_send` bounds the pipeline it is in, and answers every take in
        # it whatever happens (a result, the error, or cancelled when closing).
        verdict, wait_ms = await reply
        return Outcome(Verdict(int(verdict)), int(wait_ms))

    def _flush(self) -> None:
        takes, self._waiting = self._waiting, []
        task = asyncio.create_task(self._send(takes))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, takes: list[_Take]) -> None:
        """Each take's own script, one after the other in one pipeline (not a transaction:
        each script is atomic on its own, as when they came one by one)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                replies = await self._evalsha(takes)
                again = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
                if again:  # Redis restarted (or first use): again those it did not run
                    await self._redis.script_load(_TAKE)
                    retried = await self._evalsha([takes[i] for i in again])
                    for i, reply in zip(again, retried, strict=True):
                        replies[i] = reply
        except asyncio.CancelledError:  # closing
            for _, _, reply in takes:
                reply.cancel()
            raise
        except Exception as exc:  # RedisError, OSError (TimeoutError): each caller's
            for _, _, reply in takes:
                if not reply.done():
                    reply.set_exception(exc)
            return
        for (_, _, future), reply in zip(takes, replies, strict=True):
            if future.done():
                continue  # its caller gave up waiting
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _evalsha(self, takes: list[_Take]) -> list[Any]:
        pipe = self._redis.pipeline(transaction=False)
        for keys, args, _ in takes:
            pipe.execute_command("EVALSHA", self._sha, len(keys), *keys, *args)
        return await pipe.execute(raise_on_error=False)

    async def ping(self) -> None:
        async with asyncio.timeout(self._timeout_s):
            await self._redis.ping()

    async def close(self) -> None:
        for task in list(self._sending):
            task.cancel()
        await self._redis.aclose()
