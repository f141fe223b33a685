"""The signup API's OpenAPI contract: examples on every JSON body, and a schemathesis run against a
real signup-api (organiser token included, some calls on real campaigns) that finds no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from devstack.harness.signup import ADMIN_TOKEN, SignupService, signup_api
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.entrypoints.api import create_app
from signup.schemas import campaigns as campaign_schemas
from signup.schemas import common as schemas
from signup.schemas import organisers as organiser_schemas
from signup.schemas import partners as partner_schemas
from signup.schemas import signups as signup_schemas
from signup.schemas import supporters as supporter_schemas
from signup.settings import Settings

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase, OpenApiOperation

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EXAMPLES_PER_OPERATION = 30


# Examples in the contract -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The document the service serves, from an app that is built but never started."""
    settings = Settings(
        token_keys=Fernet.generate_key().decode(), supporter_key_secret="openapi-test"
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (and an array's items) to the schema that should carry the example."""
    if schema.get("type") == "array":
        schema = schema["items"]
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def _has_example(spec: dict[str, Any], media: dict[str, Any]) -> bool:
    schema = _schema(spec, media.get("schema", {}))
    return bool(media.get("example") or media.get("examples") or schema.get("examples"))


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_json_request_body_has_an_example(openapi: dict[str, Any]) -> None:
    bodies = {
        label: operation["requestBody"]["content"]["application/json"]
        for label, operation in _operations(openapi)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert set(bodies) >= {
        "POST /api/v1/consent-texts",
        "POST /api/v1/campaigns",
        "PATCH /api/v1/campaigns/{slug}",
        "POST /api/v1/campaigns/{slug}/pledges",
        "POST /api/v1/campaigns/{slug}/volunteers",
        "POST /api/v1/partners",
        "PATCH /api/v1/partners/{key}",
        "POST /api/v1/supporters/export",
        "POST /api/v1/supporters/erase",
        "POST /api/v1/organisers",
        "PATCH /api/v1/organisers/{organiser_id}",
    }
    missing = [label for label, media in bodies.items() if not _has_example(openapi, media)]
    assert missing == [], f"request bodies without an example: {missing}"


def test_every_api_response_model_has_an_example(openapi: dict[str, Any]) -> None:
    missing = []
    for label, operation in _operations(openapi):
        if " /api/" not in label:
            continue  # /healthz, /readyz: the shared runtime's, not this API's
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media and not _has_example(openapi, media):
                missing.append(f"{label} → {status}")
    assert missing == [], f"responses without an example: {missing}"


def _examples(model: type[BaseModel]) -> list[dict[str, Any]]:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict), f"{model.__name__} has no example"
    examples = extra.get("examples")
    assert isinstance(examples, list), f"{model.__name__} has no example"
    assert examples, f"{model.__name__} has no example"
    return [e for e in examples if isinstance(e, dict)]


@pytest.mark.parametrize(
    "model",
    [
        campaign_schemas.ConsentTextIn,
        campaign_schemas.CampaignIn,
        campaign_schemas.CampaignPatch,
        signup_schemas.PledgeIn,
        signup_schemas.VolunteerIn,
        signup_schemas.SignupAccepted,
        campaign_schemas.ConsentTextOut,
        campaign_schemas.CampaignOut,
        campaign_schemas.OrganiserCampaignOut,
        schemas.OrganiserOut,
        organiser_schemas.OrganiserIn,
        organiser_schemas.OrganiserPatch,
        organiser_schemas.OrganiserRecordOut,
        organiser_schemas.OrganiserCreated,
        partner_schemas.PartnerIn,
        partner_schemas.PartnerPatch,
        partner_schemas.PartnerOut,
        partner_schemas.WidgetOut,
        supporter_schemas.SupporterEmailIn,
        supporter_schemas.ConsentOut,
        supporter_schemas.SupporterRecordOut,
        supporter_schemas.SupporterExportOut,
        supporter_schemas.ErasureAccepted,
    ],
)
def test_examples_are_valid_against_their_models(model: type[BaseModel]) -> None:
    """An example that the API would refuse (or never give) teaches the wrong thing."""
    for example in _examples(model):
        model.model_validate(example)


# The running service ----------------------------------------------------------------------------


@pytest.fixture
def signup(shared_settings: SharedSettings, database: ServiceDatabase) -> Iterator[SignupService]:
    # The conftest's database: its name is this test's own, and it is dropped afterwards.
    with signup_api(shared_settings, database.db.name) as service:
        yield service


@dataclass(frozen=True)
class Seeded:
    pledge: str  # slugs of open campaigns that accept the examples' consent text
    volunteer: str


def _post_the_examples(signup: SignupService, spec: dict[str, Any]) -> Seeded:
    """Every request example of the contract, sent as documented: each must be accepted."""

    def example(path: str, method: str) -> dict[str, Any]:
        media = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
        found: dict[str, Any] = _schema(spec, media["schema"])["examples"][0]
        return found

    campaigns = "/api/v1/campaigns"
    with signup.client(organiser=True) as c:
        consent = c.post("/api/v1/consent-texts", json=example("/api/v1/consent-texts", "post"))
        assert consent.status_code == 201, consent.text
        version = consent.json()["version"]
        pledge = signup.create_campaign(consent_text_versions=[version])["slug"]
        volunteer = signup.create_campaign(kind="volunteer", consent_text_versions=[version])
        campaign_example = example(campaigns, "post")
        created = c.post(campaigns, json=campaign_example)
        assert created.status_code == 201, created.text
        patched = c.patch(
            f"{campaigns}/{campaign_example['slug']}",
            json=example(f"{campaigns}/{{slug}}", "patch"),
        )
        assert patched.status_code == 200, patched.text
        organiser = c.post("/api/v1/organisers", json=example("/api/v1/organisers", "post"))
        assert organiser.status_code == 201, organiser.text
        changed_organiser = c.patch(
            f"/api/v1/organisers/{organiser.json()['id']}",
            json=example("/api/v1/organisers/{organiser_id}", "patch"),
        )
        assert changed_organiser.status_code == 200, changed_organiser.text
        partner = c.post("/api/v1/partners", json=example("/api/v1/partners", "post"))
        assert partner.status_code == 201, partner.text
        key = partner.json()["key"]
        changed = c.patch(
            f"/api/v1/partners/{key}", json=example("/api/v1/partners/{key}", "patch")
        )
        assert changed.status_code == 200, changed.text
        signups = {
            f"{campaigns}/{pledge}/pledges": example(f"{campaigns}/{{slug}}/pledges", "post"),
            f"{campaigns}/{volunteer['slug']}/volunteers": example(
                f"{campaigns}/{{slug}}/volunteers", "post"
            ),
        }
        for url, body in signups.items():
            accepted = c.post(url, json=body)
            assert accepted.status_code == 202, accepted.text
            signup_schemas.SignupAccepted.model_validate(accepted.json())
        export = "/api/v1/supporters/export"
        exported = c.post(export, json=example(export, "post"))
        assert exported.status_code == 200, exported.text
        erase = "/api/v1/supporters/erase"
        erased = c.post(erase, json=example(erase, "post"))
        assert erased.status_code == 202, erased.text
    return Seeded(pledge=pledge, volunteer=volunteer["slug"])


def test_every_request_example_is_accepted(signup: SignupService, openapi: dict[str, Any]) -> None:
    seeded = _post_the_examples(signup, openapi)
    with signup.client() as c:
        campaign = c.get(f"/api/v1/campaigns/{seeded.pledge}")
    assert campaign.status_code == 200, campaign.text
    assert campaign.json()["consent"]["version"] == campaign_schemas.CONSENT_TEXT_EXAMPLE["version"]


# Operations that change a campaign's state run last, so that signups meet open campaigns first.
_STATE_CHANGES = ("/close", "/open", "PATCH")


def _fuzz(
    operation: OpenApiOperation,
    strategy: st.SearchStrategy[OpenApiCase],
    *,
    url: str,
    seen: set[int],
    failures: list[str],
) -> None:
    """Up to EXAMPLES_PER_OPERATION calls; every failure is collected (not shrunk, not raised)."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,  # no example database: every run starts afresh
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: OpenApiCase) -> None:
        response = case.call(base_url=url, headers=AUTH, timeout=15)
        seen.add(response.status_code)
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=AUTH)
        except FailureGroup as failure:
            failures.append(str(failure))
            return
        # The API's own errors are JSON {"detail": …} (hosted pages answer in HTML).
        if operation.path.startswith("/api/") and 400 <= response.status_code < 500:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not (isinstance(body, dict) and body.get("detail")):
                failures.append(
                    f"{operation.label}: {response.status_code} without a JSON detail: "
                    f"{response.text[:300]}\n{case.as_curl_command(headers=AUTH)}"
                )

    call()


def test_no_operation_gives_a_server_error(signup: SignupService, openapi: dict[str, Any]) -> None:
    seeded = _post_the_examples(signup, openapi)
    schema = schemathesis.openapi.from_url(f"{signup.url}/openapi.json")
    operations = sorted(
        (result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)),
        key=lambda op: any(part in op.label for part in _STATE_CHANGES),
    )
    assert len(operations) >= 12, [op.label for op in operations]

    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for operation in operations:
        strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
        if "{slug}" in operation.path:
            slug = seeded.volunteer if operation.path.endswith("/volunteers") else seeded.pledge
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters={"slug": slug})
                for mode in modes
            ]
            if operation.path.endswith(("/pledges", "/volunteers")):
                # A valid body on a real campaign, without the widget's ?partner (a generated key
                # is refused): the path to Kafka, with generated headers.
                body = openapi["components"]["schemas"][
                    "VolunteerIn" if operation.path.endswith("/volunteers") else "PledgeIn"
                ]["examples"][0]
                # First: hypothesis draws the first branch of one_of most often.
                strategies.insert(
                    0, operation.as_strategy(path_parameters={"slug": slug}, query={}, body=body)
                )
        seen = statuses.setdefault(operation.label, set())
        _fuzz(operation, st.one_of(strategies), url=signup.url, seen=seen, failures=failures)

    assert failures == [], "\n\n".join(failures[:10])
    assert not any(code >= 500 for codes in statuses.values() for code in codes), statuses
    # The run reached real data, not only 404s and 422s.
    assert 202 in statuses["POST /api/v1/campaigns/{slug}/pledges"], statuses
    assert 202 in statuses["POST /api/v1/campaigns/{slug}/volunteers"], statuses
    assert 200 in statuses["GET /api/v1/campaigns/{slug}"], statuses
    assert 200 in statuses["GET /api/v1/campaigns/{slug}/supporters.csv"], statuses
    assert 200 in statuses["GET /api/v1/campaigns/{slug}/widget"], statuses
