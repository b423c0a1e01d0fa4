"""A real HTTP server on 127.0.0.1 for the web and feed ingestion tests: pages, feeds and
misbehaving endpoints written for the tests, changeable while it runs."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def page(title: str, site: str, published: str, lang: str, paragraphs: list[str], canonical: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}">{link}</head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>{title}</h1>{body}</article><footer>© {site}</footer></body></html>"""


class Site:
    """Routes: path -> (status, content type, body or callable, delay in seconds)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple] = {}
        self.hits: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, body, content_type: str = "text/html; charset=utf-8", status: int = 200,
            delay: float = 0.0) -> str:
        self.routes[path] = (status, content_type, body, delay)
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                site.hits[path] = site.hits.get(path, 0) + 1
                status, kind, body, delay = site.routes.get(path, (404, "text/plain", "not found", 0))
                if delay:
                    time.sleep(delay)
                if callable(body):  # a generator of byte chunks, sent without a length
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.end_headers()
                    try:
                        for chunk in body():
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                data = body.encode("utf-8") if isinstance(body, str) else body
                etag = '"%s"' % hashlib.sha1(data).hexdigest()[:16]
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
