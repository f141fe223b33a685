"""The mailer API's OpenAPI contract: the JSON bodies it takes and gives carry examples, and the
examples are what the API accepts (tests/integration/test_mailer_api.py posts the mailing one)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from mailer.entrypoints.api import create_app
from mailer.routes.webhooks import WebhookHandled
from mailer.schemas import api as schemas
from mailer.settings import Settings


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The document the service serves, from an app that is built but never started."""
    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def _example(spec: dict[str, Any], media: dict[str, Any]) -> Any:
    if media.get("example"):
        return media["example"]
    ref = media["schema"].get("$ref", "")
    schema = spec["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    return schema["examples"][0]


def test_the_public_operations_are_documented(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    assert "post" in paths["/api/v1/mailings"]
    assert "get" in paths["/api/v1/mailings/{mailing_id}"]
    assert "post" in paths["/webhooks/sendgrid"]
    assert "/outbox" not in paths  # dev only


def test_every_json_body_has_an_example(openapi: dict[str, Any]) -> None:
    mailing = openapi["paths"]["/api/v1/mailings"]["post"]
    webhook = openapi["paths"]["/webhooks/sendgrid"]["post"]
    for operation, status in ((mailing, "202"), (webhook, "200")):
        request = operation["requestBody"]["content"]["application/json"]
        response = operation["responses"][status]["content"]["application/json"]
        assert _example(openapi, request)
        assert _example(openapi, response)
    progress = openapi["paths"]["/api/v1/mailings/{mailing_id}"]["get"]
    assert _example(openapi, progress["responses"]["200"]["content"]["application/json"])
    # The organisers' text is one template per language, as the event carries it.
    body = _example(openapi, mailing["requestBody"]["content"]["application/json"])
    assert set(body["body_template"]) == {"fr", "en"}


@pytest.mark.parametrize(
    "model", [schemas.MailingIn, schemas.MailingAccepted, schemas.MailingProgress, WebhookHandled]
)
def test_examples_are_valid_against_their_models(model: type[BaseModel]) -> None:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    examples = extra["examples"]
    assert isinstance(examples, list)
    assert examples
    for example in examples:
        model.model_validate(example)
