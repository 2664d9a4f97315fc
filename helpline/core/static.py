"""Static files served at the ASGI layer, in front of Django.

`servestatic.middleware.ServeStaticMiddleware` is async-only: with it in `MIDDLEWARE`, every
synchronous request (the test client, management commands that render, the benchmarks) pays for an
`async_to_sync` bridge around the whole middleware chain, and every ASGI request walks that chain
before a static file is found. Here the file index is built once, with the same settings as the
middleware (finders in development, STATIC_ROOT otherwise), and a request for a known static file
never reaches Django at all.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from servestatic.asgi import FileServerASGI
from servestatic.middleware import ServeStaticMiddleware
from servestatic.utils import decode_path_info, run_async_in_thread


async def _unused(request: HttpRequest) -> HttpResponseBase:  # pragma: no cover - never called
    raise AssertionError("the static index is used on its own, not as middleware")


class StaticFilesASGI:
    """Wrap an ASGI application: paths under STATIC_URL that name a known file are served here."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.index = ServeStaticMiddleware(get_response=_unused)
        self.prefix: str = self.index.static_prefix

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            path = decode_path_info(scope["path"])
            if self.index.autorefresh:
                static_file = await run_async_in_thread(self.index.find_file, path)
            else:
                static_file = self.index.files.get(path)
            if static_file is not None:
                await FileServerASGI(static_file)(scope, receive, send)
                return
        await self.application(scope, receive, send)
