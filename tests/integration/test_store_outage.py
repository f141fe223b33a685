"""The consumers wait out a store outage: FerretDB stopped under counter-consumer,
signup-projector and mailer-consumer with a batch coming, started again; the same processes
(none exited: `make run` stops everything when one does) apply the batch once the store is back."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from devstack.config import StackConfig
from devstack.harness.infra import kill_infra, restart_infra
from devstack.harness.mailer import Mailer, publish, standin, wait_until
from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import projector_env, signup_api
from mobilise_events import PledgeSigned
from mobilise_runtime.mongo import Document
from mobilise_runtime.settings import SharedSettings

WAITING = "store unavailable: trying again"
BACK = "store available again"


def _pledge(campaign: dict[str, Any], n: int) -> PledgeSigned:
    return PledgeSigned(
        signup_id=uuid.uuid4(),
        campaign_id=campaign["id"],
        campaign_slug=campaign["slug"],
        supporter_key=f"key-{n}",
        email=f"person{n}@example.org",
        first_name="Awa",
        country="FR",
        locale="fr",
        newsletter_opt_in=True,
        consent_text_version=campaign["consent"]["version"],
        double_opt_in=False,
        unsubscribe_token=f"token-{n}",
    )


def _unavailable(port: int) -> float:
    """counter-consumer's mobilise_store_unavailable, from its metrics port."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    (line,) = [
        line
        for line in text.splitlines()
        if line.startswith('mobilise_store_unavailable{process="counter-consumer"}')
    ]
    return float(line.rsplit(" ", 1)[1])


def _all_said(processes: list[Running], text: str) -> bool:
    return all(text in p.output() for p in processes)


async def test_consumers_wait_for_the_store_and_carry_on(
    stack: StackConfig, shared_settings: SharedSettings, unique: str, tmp_path: Path
) -> None:
    counter_db = f"counter_{unique}"
    metrics = free_port()
    counter_env = service_env(
        shared_settings,
        COUNTER_MONGO_DATABASE=counter_db,
        COUNTER_CONSUMER_GROUP=f"counter-{unique}",
        MOBILISE_METRICS_PORT=str(metrics),
    )
    mongo: MongoClient[Document] = MongoClient(shared_settings.mongo_url)
    with (
        mongo,
        signup_api(shared_settings, f"signup_{unique}") as signup,
        standin(tmp_path) as standin_url,
    ):
        mailer = Mailer(
            shared_settings, f"mailer_{unique}", f"mailer-{unique}", standin_url, signup.url, {}
        )
        campaign = signup.create_campaign(double_opt_in=False)
        try:
            with (
                running("counter-consumer", counter_env) as counter,
                running("signup-projector", projector_env(signup)) as projector,
                mailer.consumer() as mail_consumer,
                mailer.worker(),
            ):
                consumers = [counter, projector, mail_consumer]
                for process in (counter, projector):
                    process.wait_for("partitions assigned", timeout=60)
                # One pledge before the outage: every consumer has its campaign in hand.
                await publish(shared_settings, _pledge(campaign, 1), key=campaign["id"])
                wait_until(lambda: mailer.count() == 1, what="the first welcome email")

                kill_infra(stack, "ferretdb", signal.SIGTERM)
                try:
                    await publish(shared_settings, _pledge(campaign, 2), key=campaign["id"])
                    wait_until(
                        lambda: _all_said(consumers, WAITING) or None,
                        what="every consumer waiting for the store",
                    )
                    assert all(p.process.poll() is None for p in consumers)
                    assert _unavailable(metrics) == 1.0
                finally:
                    restart_infra(stack, "ferretdb")

                def caught_up() -> bool:
                    totals = mongo[counter_db]["totals"].find_one({"_id": campaign["id"]})
                    supporters = mongo[signup.database]["supporters"].count_documents({})
                    return bool(totals and totals["signed"] == 2 and supporters == 2) and (
                        mailer.count() == 2
                    )

                wait_until(lambda: caught_up() or None, what="all caught up", timeout=90)
                wait_until(lambda: _all_said(consumers, BACK) or None, what="store back logged")
                assert _unavailable(metrics) == 0.0
                exited = [p.process.args for p in consumers if p.process.poll() is not None]
                assert not exited, f"exited during the outage: {exited}"
        finally:
            for name in (counter_db, signup.database, mailer.database):
                mongo.drop_database(name)
