"""One spelling per article address: tracking parameters, mobile and AMP variants and fragments
removed, so that a report fetched twice under two spellings is stored once."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# query parameters that track the reader and never change the article
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|smid|ref|ref_src|"
    r"src|source|share|sharing|at_medium|at_campaign|wt_mc|wtmc|_ga|guccounter|outputtype|amp)$",
    re.IGNORECASE,
)
_MOBILE_HOST = re.compile(r"^(m|mobile|amp|www)\.", re.IGNORECASE)
_AMP_PATH = re.compile(r"(/amp/?$|^/amp(?=/)|\.amp(?=\.html?$|$))", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """One spelling per article: lower-case scheme and host, no www./m./amp. host prefix, no
    AMP path, no tracking parameters, no fragment, no trailing slash; other parameters sorted."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # "http://[::1", "http://host:99999": not an address to tidy
        return url.strip()
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url.strip()
    host = parts.hostname.lower()
    while _MOBILE_HOST.match(host):
        host = _MOBILE_HOST.sub("", host, count=1)
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    path = path.rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("https", host, path, query, ""))
