"""An API whose store does not answer says 503 with Retry-After (the client may retry), never a
500 with a trace; any other database error stays a 500 (a fault of ours, to be seen)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError

from mobilise_runtime.errors import install

RAISED: dict[str, Exception] = {
    "reconnect": AutoReconnect("connection closed"),
    "selection": ServerSelectionTimeoutError("127.0.0.1:27017: connection refused"),
    "canceled": OperationFailure("(InternalError) context canceled", code=1),
    "other": OperationFailure("(BadValue) unknown operator: $nope", code=2),
}


def app() -> FastAPI:
    api = FastAPI()
    install(api)

    @api.get("/{name}")
    async def fail(name: str) -> None:
        raise RAISED[name]

    return api


@pytest.mark.parametrize("name", ["reconnect", "selection", "canceled"])
def test_a_store_that_does_not_answer_is_a_503_to_retry(name: str) -> None:
    response = TestClient(app()).get(f"/{name}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "database does not answer" in response.json()["detail"]


def test_any_other_database_error_stays_a_500() -> None:
    response = TestClient(app(), raise_server_exceptions=False).get("/other")
    assert response.status_code == 500
