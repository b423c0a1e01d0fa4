"""What the web chat refuses beyond Gradio's own checks (each found by tests/test_ui_security.py).

- A browser's cross-site POST. Gradio only withholds CORS headers from foreign origins (and grants
  them to any origin when the Host is not loopback), but a form post or a multipart fetch needs no
  preflight: any web page could store files through the upload route, with the login cookie, which
  Gradio sets SameSite=None. Sec-Fetch-Site is set by the browser itself and survives proxies that
  rewrite Host; API clients (gradio_client, curl) send none and are not affected.
- The API description in the login page. Gradio inlines the JSON of the login-protected
  /gradio_api/info into every page, the login form included; it lists the library's outlets and
  languages (the filter choices) and the configured LLM.
- A store inside a folder Gradio serves files from. Gradio refuses blocked paths by a case-folded
  comparison made before symlinks are resolved, so a link named with a capital letter gets past
  ``blocked_paths``; only keeping the store out of those folders is safe.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.errors import ConfigError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
API_INFO = re.compile(rb"(window\.gradio_api_info = ).*?(;</script>)", re.S)
EMPTY_API = rb'\1{"named_endpoints": {}, "unnamed_endpoints": {}}\2'


def check_store_not_served(store: Path) -> None:
    from gradio.utils import get_cache_folder, get_upload_folder, is_in_or_equal

    for folder in (get_upload_folder(), get_cache_folder()):
        if is_in_or_equal(store, folder):
            raise ConfigError(f"The store {store} is inside {Path(folder).resolve()}, which the web chat serves "
                              "files from: choose another NEWSQA_STORE, or set GRADIO_TEMP_DIR elsewhere.")


class Guard:
    """ASGI middleware, innermost around Gradio's routes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        fetch_site = dict(scope["headers"]).get(b"sec-fetch-site", b"").lower()
        if scope["method"] not in SAFE_METHODS and fetch_site == b"cross-site":
            from starlette.responses import PlainTextResponse

            return await PlainTextResponse("Cross-site request refused.", status_code=403)(scope, receive, send)
        if scope["method"] == "GET" and getattr(scope.get("app"), "auth", None):
            send = without_api_on_login_page(send)
        await self.app(scope, receive, send)


def without_api_on_login_page(send):
    """``send`` that empties the API description in an HTML page that asks for a login."""
    start, chunks = None, []

    async def sending(message):
        nonlocal start
        if message["type"] == "http.response.start" and dict(message["headers"]).get(
                b"content-type", b"").startswith(b"text/html"):
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        if b'"auth_required":true' in body:
            body = API_INFO.sub(EMPTY_API, body, count=1)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return sending
