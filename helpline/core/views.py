"""Liveness and readiness probes for load balancers and orchestrators (no auth, no writes)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from helpline.core.health import readiness_checks


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 whenever the process answers; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when this process can serve traffic (database, migrations, a live worker), else 503."""
    checks = readiness_checks()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: {"ok": check.ok, "reason": check.reason} for check in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)
