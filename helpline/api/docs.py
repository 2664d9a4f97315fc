"""/api/v1/docs: Swagger UI from the files django-ninja ships, under the site's strict CSP.

ninja renders its own page only when "ninja" is an installed app, and otherwise falls back to a
page with an inline script and files from a CDN, both of which the Content-Security-Policy
refuses. This page has no inline script and takes its files from /api/v1/docs/assets/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html, json_script
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

ASSETS_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" href="{assets}favicon.png" type="image/png">
</head>
<body data-csrf-token="{csrf}" data-api-csrf="true">
{settings}
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


class LocalSwagger(Swagger):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = json_script({**self.settings, "url": self.get_openapi_url(api, kwargs)}, "swagger-settings")
        assets = reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": "x"}).removesuffix("x")
        html = format_html(PAGE, title=api.title, assets=assets, csrf=get_token(request), settings=settings)
        return HttpResponse(html)


def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One of the few files of the docs page (a fixed list: nothing else is served from here)."""
    if name not in ASSETS:
        raise Http404(name)
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
