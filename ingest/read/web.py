"""Web sources: canonical URLs and a careful fetch (scheme, time and size limits, content type).

Every failure is a ``SourceError`` with a one-line reason, so one bad URL never stops an ingest.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app.errors import SourceError

USER_AGENT = "newsqa/0.1 (+news question answering; fetches one page per article)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/feed+json")


@dataclass(frozen=True)
class Page:
    url: str  # where the content came from, after redirects
    content_type: str
    text: str
    etag: str | None = None
    modified: str | None = None


def _private(host: str) -> bool:
    """Whether the host resolves to a loopback, private, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False  # the fetch itself reports the unknown host
    return any(not ipaddress.ip_address(info[4][0]).is_global for info in infos)


def fetch(url: str, accept: tuple[str, ...] = HTML_TYPES, timeout: float = 15.0, max_bytes: int = 10 * 2**20,
          headers: dict | None = None, allow_private: bool = True, _hops: int = 0) -> Page:
    """GET ``url`` within the limits; ``SourceError`` (with the URL) for anything else. With
    ``allow_private`` off (the web chat), addresses inside the network are refused, redirects
    included (no SSRF)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise SourceError(url, f"only http and https URLs are fetched, not '{scheme or 'no scheme'}'")
    if not allow_private and _private(parts.hostname or ""):
        raise SourceError(url, "refused: the address is local or private (set NEWSQA_FETCH_PRIVATE=true to allow)")
    try:
        # redirects are followed by hand below when private addresses are refused
        with httpx.Client(follow_redirects=allow_private, max_redirects=5, timeout=timeout,
                          headers={"User-Agent": USER_AGENT, **(headers or {})}) as client:
            with client.stream("GET", url) as response:
                if response.status_code == 304:
                    return Page(str(response.url), "", "")
                if response.is_redirect and not allow_private:  # each hop is checked again
                    if _hops >= 5:
                        raise SourceError(url, "too many redirects")
                    target = str(response.url.join(response.headers.get("location", "")))
                    return fetch(target, accept, timeout, max_bytes, headers, False, _hops + 1)
                if response.status_code >= 400:
                    raise SourceError(url, f"HTTP {response.status_code} {response.reason_phrase}")
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind and kind not in accept:
                    raise SourceError(url, f"not {_what(accept)} (content type '{kind}')")
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise SourceError(url, f"larger than the {max_bytes // 2**20} MB limit ({declared // 2**20} MB)")
                body, started = bytearray(), time.monotonic()
                for chunk in response.iter_bytes():
                    body += chunk
                    if time.monotonic() - started > timeout:  # a server trickling bytes
                        raise httpx.ReadTimeout("total time")
                    if len(body) > max_bytes:
                        raise SourceError(url, f"larger than the {max_bytes // 2**20} MB limit")
                encoding = response.encoding or "utf-8"
                return Page(str(response.url), kind, bytes(body).decode(encoding, errors="replace"),
                            response.headers.get("etag"), response.headers.get("last-modified"))
    except httpx.TimeoutException:
        raise SourceError(url, f"timed out after {timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise SourceError(url, "too many redirects") from None
    except httpx.HTTPError as err:
        raise SourceError(url, f"could not fetch: {err.__class__.__name__}: {err}") from None


def _what(accept: tuple[str, ...]) -> str:
    return "an HTML page" if accept == HTML_TYPES else "a feed"
