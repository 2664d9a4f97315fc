"""Finishing the OpenAPI document: the problems every operation can answer, as problem+json."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from helpline.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from helpline.api.problems import PROBLEM_CONTENT_TYPE
from helpline.api.schemas import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Makes a retried POST safe: the first answer is stored and replayed for 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def problems_document(schema: dict[str, Any]) -> None:
    """Add to each operation the problems the pipeline and the handlers can answer, and serve
    every problem as application/problem+json."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            _operation_problems(method, operation)


def _operation_problems(method: str, operation: dict[str, Any]) -> None:
    statuses = {401, 403, 429}
    parameters = operation.setdefault("parameters", [])
    has_body = "requestBody" in operation
    if parameters or has_body:
        statuses.add(422)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if has_body:
        statuses |= {400, 413}
    if method == "post":
        statuses |= {409, 422}
        parameters.append(dict(IDEMPOTENCY_PARAMETER))
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(status, {"description": HTTPStatus(status).phrase})
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}
            if int(status) == 429:
                response["headers"] = {"Retry-After": RETRY_AFTER}
