"""The front's 202, written without json.dumps, is byte for byte what its general answer
(`_respond`, the app's JSONResponse as tests/integration/test_signup_intake_front.py checks)
writes for the same acceptance."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.types import Send

from signup.presentation.intake_front import _respond, _respond_accepted
from signup.schemas.signups import SignupAccepted


@pytest.mark.parametrize("status", ["accepted", "pending_confirmation"])
@pytest.mark.parametrize("gzip_ok", [False, True])
async def test_the_202_is_what_the_general_answer_writes(status: str, gzip_ok: bool) -> None:
    accepted = SignupAccepted(id=uuid.uuid4(), status=status)
    general: list[Any] = []
    fast: list[Any] = []
    answer = {"id": str(accepted.id), "status": accepted.status}
    await _respond(into(general), 202, answer, {}, gzip_ok=gzip_ok)
    await _respond_accepted(into(fast), accepted)
    assert fast == general


def into(messages: list[Any]) -> Send:
    async def send(message: Any) -> None:
        messages.append(message)

    return send
