"""The mailer's SendGrid client (the official `sendgrid` package) against devstack's stand-in, both
real: a process on a port of its own, answering like SendGrid's v3 mail-send API."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from devstack.harness.processes import Running, free_port, running
from mailer.adapters.sendgrid import RateLimited, Refused, SendGridClient, Unavailable
from mailer.presentation.messages import Recipient, Sender, confirmation, newsletter
from mobilise_events import LocalisedText

SENDER = Sender("campagnes@mobilise.example", "mobilise", "http://127.0.0.1:8000")
TITLE = LocalisedText(fr="Femmes du numérique", en="Women in digital")


@contextmanager
def _standin(state: Path, port: int) -> Iterator[Running]:
    env = {
        **os.environ,
        "MOBILISE_SENDGRID_PORT": str(port),
        "MOBILISE_STATE": str(state),
        "MOBILISE_LOG_FORMAT": "json",
    }
    with running("sendgrid-standin", env) as process:
        ready = process.wait_http(f"http://127.0.0.1:{port}/readyz")
        assert ready.status_code == 200, ready.text
        yield process


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    with _standin(tmp_path_factory.mktemp("state"), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def client(standin: str) -> SendGridClient:
    httpx.delete(f"{standin}/_standin/messages").raise_for_status()
    return SendGridClient("test-key", standin)


def _recipient(n: int) -> Recipient:
    return Recipient(
        email=f"p{n}@example.org",
        first_name=f"Awa{n}",
        locale="fr",
        supporter_key=f"key{n}",
        unsubscribe_token=f"unsub{n}",
        confirm_token=f"conf{n}",
    )


def _count(base: str) -> int:
    count: int = httpx.get(f"{base}/_standin/count").json()["personalizations"]
    return count


def test_an_accepted_email_gets_a_message_id_and_shows_in_the_outbox(
    standin: str, client: SendGridClient
) -> None:
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1))
    message_id = client.send(body)
    assert len(message_id) >= 16
    (shown,) = httpx.get(f"{standin}/_standin/messages", params={"limit": 5}).json()
    assert shown["message_id"] == message_id
    assert shown["to"] == ["p1@example.org"]
    assert "http://127.0.0.1:8000/confirm/conf1" in shown["text"]
    assert shown["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert shown["custom_args"]["kind"] == "confirmation"


def test_a_2500_recipient_newsletter_goes_out_in_3_requests(
    standin: str, client: SendGridClient
) -> None:
    bodies = newsletter(
        sender=SENDER,
        mailing_id="m1",
        campaign_title=TITLE,
        subject=LocalisedText(fr="Des nouvelles", en="News"),
        body_template=LocalisedText(fr="Bonjour {{ first_name }} !", en="Hi {{ first_name }}!"),
        recipients=[_recipient(n) for n in range(2_500)],
    )
    ids = [client.send(body) for body in bodies]
    assert len(set(ids)) == 3
    assert _count(standin) == 2_500
    newest = httpx.get(f"{standin}/_standin/messages", params={"limit": 2}).json()
    assert [m["to"] for m in newest] == [["p2499@example.org"], ["p2498@example.org"]]
    assert "Bonjour Awa2499 !" in newest[0]["text"]
    assert 'href="http://127.0.0.1:8000/unsubscribe/unsub2499"' in newest[0]["html"]


def test_rate_limit_comes_out_with_the_time_to_wait(standin: str, client: SendGridClient) -> None:
    fault = {"status": 429, "count": 1, "retry_after_s": 30}
    httpx.post(f"{standin}/_standin/faults", json=fault).raise_for_status()
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1))
    with pytest.raises(RateLimited) as limited:
        client.send(body)
    assert 25 <= limited.value.retry_after_s <= 31
    assert client.send(body)  # the fault was for one request only
    assert _count(standin) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_unavailable(standin: str, client: SendGridClient, status: int) -> None:
    httpx.post(f"{standin}/_standin/faults", json={"status": status}).raise_for_status()
    with pytest.raises(Unavailable) as failed:
        client.send(confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1)))
    assert not failed.value.maybe_sent
    assert _count(standin) == 0


def test_a_bad_body_is_refused_with_sendgrids_errors(client: SendGridClient) -> None:
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1))
    body["personalizations"][0]["to"] = [{"email": "not-an-address"}]
    del body["personalizations"][0]["subject"]
    with pytest.raises(Refused) as refused:
        client.send(body)
    assert refused.value.status == 400
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"personalizations.0.to.0.email", "subject"}


def test_a_payload_over_20_mb_is_refused(client: SendGridClient) -> None:
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1))
    body["content"][0]["value"] = "x" * (21 * 1024 * 1024)
    with pytest.raises(Refused) as refused:
        client.send(body)
    assert refused.value.status == 413


def test_a_request_without_key_is_unauthorised(standin: str) -> None:
    answer = httpx.post(f"{standin}/v3/mail/send", json={})
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["message"]


def test_no_server_is_unavailable_and_nothing_was_sent() -> None:
    client = SendGridClient("test-key", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Unavailable) as failed:
        client.send({"personalizations": []})
    assert not failed.value.maybe_sent


def test_no_answer_in_time_is_unavailable_and_maybe_sent() -> None:
    with socket.socket() as server:  # listens, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = SendGridClient("test-key", f"http://127.0.0.1:{port}", timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(Unavailable) as failed:
            client.send({"personalizations": []})
    assert failed.value.maybe_sent
    assert time.monotonic() - started < 5


def test_a_restart_keeps_the_outbox(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(1))
    with _standin(tmp_path, port):
        message_id = SendGridClient("test-key", base).send(body)
    assert (tmp_path / "sendgrid" / "outbox.jsonl").exists()
    with _standin(tmp_path, port):
        assert _count(base) == 1
        (shown,) = httpx.get(f"{base}/_standin/messages").json()
        assert shown["message_id"] == message_id
        httpx.delete(f"{base}/_standin/messages").raise_for_status()
        assert _count(base) == 0
