"""The OpenAPI document describes every answer the API gives: schemathesis checks it.

Schemathesis generates requests for every operation from /api/v1/openapi.json, valid and invalid,
sends them in-process (WSGI) with an agent's token, and checks that no answer is a server error
and that each answer's status, content type and body are the ones the document promises.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpline.accounts.tokens import token_create
from helpline.api.tests.support import ApiClient

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def connection_kept_open() -> Iterator[None]:
    """As Django's test client does: a finished request must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(admin: Any, carla_ticket: Any, hr_ticket: Any, agent: Any, settings: Any) -> str:
    """An admin's token, with a few tickets around and no rate limit in the way."""
    settings.HELPLINE_API_RATE_LIMIT = "1000000/60"
    _, plain = token_create(agent=admin, name="schemathesis")
    return plain


# Loaded from the app in-process (WSGI); the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
# Examples and fuzzing run always (about a minute). The coverage phase (boundary values of every
# parameter, +90 s) runs with HELPLINE_SCHEMATHESIS_COVERAGE=1, e.g. in a nightly job.
schema.config.phases.coverage.enabled = os.environ.get("HELPLINE_SCHEMATHESIS_COVERAGE") == "1"
# Methods an operation does not have are answered by Django's URL layer (405), not by the API.
schema.config.phases.coverage.unexpected_methods = set()


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_answer_matches_the_openapi_document(case: Any, admin_token: str) -> None:
    # given an admin's token / when schemathesis calls the operation / then every check passes
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)


def test_the_document_is_openapi_3_1_with_the_api_title_and_version(db: None) -> None:
    # when
    response = ApiClient().get("/openapi.json")

    # then
    assert response.status_code == 200
    document = json.loads(response.content)
    assert (document["openapi"], document["info"]["title"], document["info"]["version"]) == (
        "3.1.0",
        "Helpline API",
        "1",
    )


def test_every_operation_documents_its_problems_as_problem_json(db: None) -> None:
    # given
    document = json.loads(ApiClient().get("/openapi.json").content)

    # when
    operations = [(path, method, op) for path, methods in document["paths"].items() for method, op in methods.items()]

    # then
    assert len(operations) == 55
    for path, method, operation in operations:
        statuses = {int(status) for status in operation["responses"]}
        assert {401, 403, 429} <= statuses, (method, path)
        if "{" in path:
            assert 404 in statuses, (method, path)
        if "requestBody" in operation:
            assert {400, 413, 422} <= statuses, (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)


def test_the_docs_page_loads_swagger_ui_from_this_site_without_inline_script(db):
    # when
    page = ApiClient().get("/docs")
    script = ApiClient().get("/docs/assets/swagger-ui-init.js")
    elsewhere = ApiClient().get("/docs/assets/..%2f..%2fsettings.py")

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert '<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>' in html
    assert '<script id="swagger-settings" type="application/json">' in html
    assert '"url": "/api/v1/openapi.json"' in html
    assert "<script>" not in html and "cdn." not in html
    assert (script.status_code, script["Content-Type"]) == (200, "text/javascript")
    assert elsewhere.status_code == 404
