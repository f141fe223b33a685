"""The limiter's connection packs commands with hiredis (signup.adapters.limiter): the same bytes
on the wire as redis-py's own Python packer, for a take's arguments (keys, ints, the refill rate
as a float, -1) and for the commands redis-py sends itself (a two-word name: SCRIPT LOAD)."""

from __future__ import annotations

from typing import Any

import pytest
from redis._parsers.encoders import Encoder
from redis.connection import PythonRespSerializer

from signup.adapters.limiter import _HiredisPacked
from signup.domain.limits import DEFAULT_ADDRESS, DEFAULT_PARTNER, DEFAULT_SUPPORTER

TAKE: tuple[Any, ...] = (
    "EVALSHA",
    "0" * 40,
    4,
    "mobilise:limit:c:net:ab",
    "k:é",
    "mobilise:no-proof",
)


@pytest.mark.parametrize(
    "args",
    [
        TAKE
        + tuple(
            value
            for bucket in (DEFAULT_ADDRESS, DEFAULT_SUPPORTER, DEFAULT_PARTNER)
            for value in (bucket.hard, bucket.rate_per_ms, bucket.proof_floor)
        ),
        (*TAKE, 0, 1_000_000, 10_000_000 / 3_600_000, -1, 1e-7, 123_456.789),
        ("SCRIPT LOAD", "return 1"),
        ("PING",),
    ],
)
def test_the_limiters_packing_is_redis_pys_own(args: tuple[Any, ...]) -> None:
    encoder = Encoder("utf-8", "strict", decode_responses=False)  # type: ignore[no-untyped-call]
    python = PythonRespSerializer(6000, encoder.encode)
    expected = python.pack(*args)  # type: ignore[no-untyped-call]
    assert b"".join(_HiredisPacked().pack_command(*args)) == b"".join(expected)
