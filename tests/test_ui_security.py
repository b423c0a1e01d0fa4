"""The web chat against hostile requests, past test_ui's cases: raw (unnormalised) traversal, double
encoding and backslashes, symlinks in the folders Gradio serves, the file route as an SSRF proxy,
foreign origins, and login over every route.

Requests go out through http.client, which sends the path exactly as written: httpx removes
``..`` segments before sending, so ``file=../../x`` would never reach the server as such."""

import http.client
import json
import re
import shutil
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import httpx
import pytest
from test_ui import serve

from app.errors import ConfigError

LEAKS = (b"SQLite format", b"root:x:0:0", b"api_prefix", b"named_endpoints")
REFUSED = (400, 401, 403, 404, 405, 422)
LOGIN = ("editor", "s3cret")


def raw(url, target, method="GET", headers=None, body=None):
    """(status, headers, body) for ``target`` sent verbatim to the server at ``url``."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def assert_refused(status, body, what):
    assert status in REFUSED, (what, status, body[:200])
    assert not any(leak in body for leak in LEAKS), (what, body[:200])


@pytest.fixture(scope="module")
def site(seed_store):
    demo, url = serve(seed_store)
    yield demo, url
    demo.close()


@pytest.fixture
def served(site):
    """A fresh folder inside Gradio's upload folder, which the file route serves."""
    demo, _ = site
    folder = Path(tempfile.mkdtemp(dir=demo.app.uploaded_file_dir))
    (folder / "Plain.txt").write_text("served", "utf-8")
    yield folder
    shutil.rmtree(folder)


def test_raw_requests_reach_the_file_route(site, served):
    status, _, body = raw(site[1], f"/gradio_api/file={served}/Plain.txt")
    assert (status, body) == (200, b"served")  # so the refusals below are the route's, not the helper's


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("target", [
    "/gradio_api/file=../../../../../../../..{store}/chroma.sqlite3",
    "/gradio_api/file={served}/../../../../../../..{store}/chroma.sqlite3",  # starts inside a served folder
    "/gradio_api/file={served}/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/gradio_api/file=%252e%252e%252f%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/gradio_api/file={served}%252f..%252f..%252f..%252f..%252f..%252fetc%252fpasswd",
    "/gradio_api/file=%25252e%25252e%25252fetc%25252fpasswd",
    "/gradio_api/file=..\\..\\..\\..\\..\\..\\..\\etc\\passwd",
    "/gradio_api/file={served}\\..\\..\\..\\..\\..\\..\\etc\\passwd",
    "/gradio_api/file=..%5c..%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/gradio_api/file={served}%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/gradio_api/file=/etc/passwd%00.txt",
    "/gradio_api/file={served}/Plain.txt%00/../../../../../../etc/passwd",
    "/gradio_api/file=%2fetc%2fpasswd",
    "/gradio_api/file=//etc/passwd",
    "/gradio_api/file=file:///etc/passwd",
    "/gradio_api/file={store_enc}%2fchroma.sqlite3",
    "/gradio_api/file/{store}/chroma.sqlite3",  # the older route
    "/gradio_api/file/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/file=../../../../../../../etc/passwd",
])
def test_file_routes_refuse_traversal_sent_verbatim(site, served, seed_store, target, method):
    store = str(Path(seed_store).resolve())
    target = target.format(store=store, served=served, store_enc=urllib.parse.quote(store, safe=""))
    status, _, body = raw(site[1], target, method)
    assert_refused(status, body, target)


@pytest.mark.parametrize("link, points_at", [
    ("Store.sqlite3", "{store}/chroma.sqlite3"),
    ("store.sqlite3", "{store}/chroma.sqlite3"),
    ("StoreDir/chroma.sqlite3", "{store}"),
    ("Passwd", "/etc/passwd"),
    ("Etc/passwd", "/etc"),
])
@pytest.mark.parametrize("where", ["upload folder", "examples cache", "working directory"])
def test_symlinks_in_served_folders_do_not_lead_out(site, served, seed_store, tmp_path, monkeypatch, where, link,
                                                    points_at):
    if where == "upload folder":
        folder = served
    elif where == "examples cache":  # Gradio serves GRADIO_EXAMPLES_CACHE, read on every request
        folder = tmp_path / "examples"
        folder.mkdir()
        monkeypatch.setenv("GRADIO_EXAMPLES_CACHE", str(folder))
        (folder / "Plain.txt").write_text("served", "utf-8")
    else:  # not served: a relative path is read from here
        folder = tmp_path
        monkeypatch.chdir(folder)
    first = link.split("/")[0]
    (folder / first).symlink_to(points_at.format(store=Path(seed_store).resolve()))
    prefix = "" if where == "working directory" else f"{folder}/"
    if where != "working directory":
        assert raw(site[1], f"/gradio_api/file={prefix}Plain.txt")[0] == 200  # the folder is served
    status, _, body = raw(site[1], f"/gradio_api/file={prefix}{link}")
    assert_refused(status, body, link)


@pytest.mark.parametrize("variable", ["GRADIO_TEMP_DIR", "GRADIO_EXAMPLES_CACHE"])
def test_a_store_inside_a_folder_gradio_serves_is_refused_at_launch(tmp_path, monkeypatch, variable):
    """Gradio refuses blocked paths by a case-folded comparison made before symlinks are resolved, so a
    link named with a capital letter would reach a store kept inside a served folder."""
    monkeypatch.setenv(variable, str(tmp_path))
    with pytest.raises(ConfigError, match="serves"):
        serve(tmp_path / "news" / "store")
    assert not (tmp_path / "news").exists()  # refused before anything was written


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/config",
    "http://localhost:{port}/gradio_api/info",
    "http://[::1]:{port}/config",
    "http://0.0.0.0:{port}/config",
    "http://2130706433:{port}/config",  # 127.0.0.1 as one number
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
])
def test_file_route_is_no_proxy_to_local_addresses(site, target):
    url = site[1]
    target = target.format(port=urllib.parse.urlsplit(url).port)
    for route in ("/gradio_api/file=", "/gradio_api/proxy="):
        status, _, body = raw(url, route + target)
        assert_refused(status, body, route + target)


FOREIGN = ["http://evil.example", "null", "http://localhost.evil.example", "http://127.0.0.1.evil.example",
           "http://localhost@evil.example"]


@pytest.mark.parametrize("origin", FOREIGN)
def test_foreign_origins_get_no_cors_permission(site, origin):
    url = site[1]
    for route in ("/gradio_api/queue/join", "/gradio_api/call/answer", "/gradio_api/upload"):
        _, headers, _ = raw(url, route, "OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
        assert "access-control-allow-origin" not in headers, (route, headers)  # so a browser sends no JSON POST
    _, headers, _ = raw(url, "/gradio_api/info", headers={"Origin": origin})
    assert "access-control-allow-origin" not in headers  # and reads no answer
    _, headers, _ = raw(url, "/gradio_api/call/answer", "POST", {"Origin": origin, "Content-Type": "application/json"},
                        b'{"data": ["Where did the conference take place?"]}')
    assert "access-control-allow-origin" not in headers


def test_loopback_origins_keep_cors_permission(site):
    local = f"http://localhost:{urllib.parse.urlsplit(site[1]).port}"
    _, headers, _ = raw(site[1], "/gradio_api/info", headers={"Origin": local})
    assert headers.get("access-control-allow-origin") == local  # the check above is about the origin


def multipart(name, content):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{content}\r\n--{boundary}--\r\n").encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


def test_cross_site_requests_a_browser_sends_unasked_change_nothing(site):
    """Form posts and text/plain or multipart fetches need no CORS preflight, so withheld CORS headers
    do not stop them: a page on another site could store files through the upload route."""
    demo, url = site
    cross = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    for route in ("/gradio_api/queue/join", "/gradio_api/call/answer", "/gradio_api/call/remove_articles"):
        status, _, body = raw(url, route, "POST", {**cross, "Content-Type": "text/plain"},
                              b'{"data": ["x"], "fn_index": 0, "session_hash": "s"}')
        assert status in (403, 422) and b"event_id" not in body, (route, status, body[:200])
    name = f"csrf-{uuid.uuid4().hex}.txt"
    headers, body = multipart(name, "planted")
    status, _, answer = raw(url, "/gradio_api/upload", "POST", {**cross, **headers}, body)
    assert status == 403, answer[:200]
    assert not list(Path(demo.app.uploaded_file_dir).glob(f"*/{name}"))


def test_cross_site_posts_are_refused_behind_a_public_host_name_too(site):
    """For a Host that is not loopback Gradio grants CORS to any origin, preflights included, so a
    browser would send a JSON call from another site; the request itself is refused."""
    url = site[1]
    public = {"Host": "news.example.org", "Origin": "http://evil.example"}
    _, headers, _ = raw(url, "/gradio_api/call/remove_articles", "OPTIONS",
                        {**public, "Access-Control-Request-Method": "POST"})
    assert headers.get("access-control-allow-origin") == "http://evil.example"  # Gradio's own rule
    status, _, body = raw(url, "/gradio_api/call/remove_articles", "POST",
                          {**public, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
                          b'{"data": ["no-such-article"]}')
    assert status == 403 and b"event_id" not in body


def test_same_origin_browser_requests_and_api_clients_still_work(site):
    demo, url = site
    own = url.rstrip("/")
    headers, body = multipart("same-origin.txt", "kept")
    status, _, answer = raw(url, "/gradio_api/upload", "POST",
                            {"Origin": own, "Sec-Fetch-Site": "same-origin", **headers}, body)
    assert status == 200 and answer.decode().endswith('same-origin.txt"]'), answer[:200]
    Path(json.loads(answer)[0]).unlink()
    status, _, answer = raw(url, "/gradio_api/call/answer", "POST",
                            {"Origin": own, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"},
                            b'{"data": ["Where did the conference take place?"]}')
    assert status == 200 and b"event_id" in answer


@pytest.fixture(scope="module")
def guarded(seed_store):
    demo, url = serve(seed_store, auth=":".join(LOGIN))
    yield demo, url
    demo.close()


def logged_in(url, login=LOGIN):
    session = httpx.Client(base_url=url, timeout=30)
    response = session.post("login", data={"username": login[0], "password": login[1]})
    return session, response


def test_login_covers_the_file_info_and_upload_routes(guarded):
    demo, url = guarded
    session, response = logged_in(url)
    assert response.status_code == 200
    name = f"uploaded-{uuid.uuid4().hex}.txt"
    stored = session.post("gradio_api/upload", files={"files": (name, b"only for editors")}).json()[0]
    assert session.get(f"gradio_api/file={stored}").content == b"only for editors"  # the route serves it
    assert session.get("gradio_api/info").status_code == 200
    assert '"named_endpoints":{"/ask"' in session.get("").text  # the page keeps its API description

    stranger, wrong = logged_in(url, ("editor", "guess"))
    assert wrong.status_code == 400 and not stranger.cookies
    stranger.close()
    for method, target in [("GET", f"/gradio_api/file={stored}"), ("HEAD", f"/gradio_api/file={stored}"),
                           ("GET", f"/gradio_api/file/{stored}"), ("GET", "/gradio_api/info"),
                           ("GET", "/gradio_api/openapi.json"), ("GET", "/config")]:
        status, _, body = raw(url, target, method)
        assert status == 401 and b"only for editors" not in body, (method, target, status)
    other = f"stranger-{uuid.uuid4().hex}.txt"
    headers, body = multipart(other, "planted")
    status, _, _ = raw(url, "/gradio_api/upload", "POST", headers, body)
    assert status == 401 and not list(Path(demo.app.uploaded_file_dir).glob(f"*/{other}"))
    session.close()
    Path(stored).unlink()


# Routes that answer without a login: the login page and its assets, and routes that return
# nothing of the library (ids, the signed-in user or none, an empty heartbeat).
PUBLIC = {"/", "/favicon.ico", "/manifest.json", "/robots.txt", "/theme.css", "/openapi.json", "/logout",
          "/gradio_api/theme.css", "/gradio_api/app_id", "/gradio_api/token", "/gradio_api/user",
          "/gradio_api/runs", "/gradio_api/startup-events", "/gradio_api/heartbeat/{session_hash}"}


def routes(app):
    for route in app.routes:
        if hasattr(route, "original_router"):  # an included router
            yield from routes(route.original_router)
        elif hasattr(route, "path"):
            for method in sorted(getattr(route, "methods", None) or ["GET"]):
                yield method, route.path


def test_login_covers_every_route_but_the_login_page(guarded):
    demo, url = guarded
    answered = []
    for method, path in routes(demo.app):
        target = re.sub(r"\{[^}]+\}", "x", path)
        with httpx.stream(method, url.rstrip("/") + target, json={} if method == "POST" else None,
                          timeout=30) as response:  # streamed: the heartbeat never ends
            if response.status_code < 400 and (path.rstrip("/") or "/") not in PUBLIC:
                answered.append(f"{method} {path} -> {response.status_code}")
    assert not answered, "answered without a login:\n" + "\n".join(answered)
    for page in (httpx.get(url).text, httpx.get(url + "gradio_api/runs").text):
        assert '"auth_required":true' in page  # the login form,
        assert "BelTA" not in page and '"named_endpoints":{"/' not in page  # without the API or the library
