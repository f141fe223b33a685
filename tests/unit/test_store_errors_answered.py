"""An API whose store does not answer says 503 with Retry-After (the client may retry), never a
500 with a trace; any other database error stays a 500 (a fault of ours, to be seen). A page (a
route answering HTML) says it with the service's own page instead of JSON."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError

from mobilise_runtime.error_responses import install
from mobilise_runtime.errors import RetryLater

RAISED: dict[str, Exception] = {
    "reconnect": AutoReconnect("connection closed"),
    "selection": ServerSelectionTimeoutError("127.0.0.1:27017: connection refused"),
    "canceled": OperationFailure("(InternalError) context canceled", code=1),
    "other": OperationFailure("(BadValue) unknown operator: $nope", code=2),
}


def unavailable_page(request: Request, retry_after_s: int) -> HTMLResponse:
    return HTMLResponse(
        f"<p>later: {request.url.path}</p>",
        status_code=503,
        headers={"Retry-After": str(retry_after_s)},
    )


def app() -> FastAPI:
    api = FastAPI()
    install(api, unavailable_page=unavailable_page)

    @api.get("/{name}")
    async def fail(name: str) -> None:
        raise RAISED[name]

    @api.get("/page/{name}", response_class=HTMLResponse)
    async def page(name: str) -> HTMLResponse:
        raise RAISED[name]

    @api.get("/page-later/{seconds}", response_class=HTMLResponse)
    async def later(seconds: int) -> HTMLResponse:
        raise RetryLater("Kafka does not answer", retry_after_s=seconds)

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


@pytest.mark.parametrize("name", ["reconnect", "selection", "canceled"])
def test_a_page_whose_store_does_not_answer_is_the_services_page_to_retry(name: str) -> None:
    response = TestClient(app()).get(f"/page/{name}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == f"<p>later: /page/{name}</p>"


def test_a_page_told_to_retry_later_says_it_with_the_page_and_its_wait() -> None:
    response = TestClient(app()).get("/page-later/7")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "7")
    assert response.text == "<p>later: /page-later/7</p>"


def test_a_page_whose_database_fails_otherwise_stays_a_500() -> None:
    response = TestClient(app(), raise_server_exceptions=False).get("/page/other")
    assert response.status_code == 500
