"""The github push backend against a local server that speaks the pull-request endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import tesler
from tests.fleet.conftest import Fleet
from tests.support.http_server import serving, url_of

BRANCH = "template-update/v0.2.0"


@dataclass
class FakeGithub:
    """Open pull requests by repository, and every request received."""

    url: str
    pulls: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, object] | None, str | None]] = field(
        default_factory=list
    )


def _handler(state: FakeGithub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep the test output quiet."""

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _slug(self) -> str | None:
            parts = urlparse(self.path).path.split("/")  # /api/repos/{owner}/{repo}/pulls
            return (
                "/".join(parts[3:5]) if parts[2:3] == ["repos"] and parts[5:] == ["pulls"] else None
            )

        def do_GET(self) -> None:
            state.requests.append(("GET", self.path, None, self.headers["Authorization"]))
            slug = self._slug()
            if slug is None:
                self._reply(404, {"message": "Not Found"})
                return
            head = parse_qs(urlparse(self.path).query).get("head", [""])[0]
            self._reply(200, [p for p in state.pulls.get(slug, []) if p["head_label"] == head])

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(("POST", self.path, body, self.headers["Authorization"]))
            slug = self._slug()
            if slug is None:
                self._reply(404, {"message": "Not Found"})
                return
            pulls = state.pulls.setdefault(slug, [])
            number = len(pulls) + 1
            pull = {
                "number": number,
                "html_url": f"https://github.example/{slug}/pull/{number}",
                "head_label": f"{slug.split('/')[0]}:{body['head']}",
            }
            pulls.append(pull)
            self._reply(201, pull)

    return Handler


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    yield from serve_github()


def serve_github() -> Iterator[FakeGithub]:
    """A fake GitHub API on 127.0.0.1 for as long as the generator is not closed."""
    state = FakeGithub(url="")
    with serving(_handler(state)) as server:
        state.url = f"{url_of(server)}/api"
        yield state


def manifest(fleet: Fleet, api_url: str) -> Path:
    return fleet.manifest(
        f"template: {fleet.template}\nchannels:\n  stable: v0.2.0\n"
        f"settings:\n  push:\n    backend: github\n    api_url: {api_url}\n"
        "repositories:\n"
        f"  - name: clean\n    remote: {fleet.remotes['clean']}\n    channel: stable\n"
        "    github: acme/clean\n"
        f"  - name: current\n    remote: {fleet.remotes['current']}\n    channel: stable\n"
    )


def apply(path: Path) -> tuple[int, dict[str, dict[str, object]]]:
    report = path.parent / "report.json"
    code = tesler("fleet", "apply", str(path), "--json", "-o", str(report))
    return code, {row["name"]: row for row in json.loads(report.read_text())["rows"]}


def test_github_backend_pushes_and_opens_one_pull_request(
    fresh_fleet: Fleet, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESLER_GITHUB_TOKEN", "t0ken")
    path = manifest(fresh_fleet, github.url)
    code, rows = apply(path)
    assert code == 0
    assert rows["clean"]["pull_request"] == "https://github.example/acme/clean/pull/1"
    assert BRANCH in fresh_fleet.heads("clean")
    (get, query, _, auth), (post, created, body, _) = github.requests
    assert (get, post, auth) == ("GET", "POST", "Bearer t0ken")
    assert query == "/api/repos/acme/clean/pulls?head=acme%3Atemplate-update%2Fv0.2.0&state=open"
    assert created == "/api/repos/acme/clean/pulls"
    assert body is not None
    assert body["head"] == BRANCH
    assert body["base"] == "main"
    assert body["title"] == "Update template from v0.1.0 to v0.2.0"

    refs = fresh_fleet.all_refs()
    code, rows = apply(path)  # again: the open pull request is found, not duplicated
    assert code == 0
    assert rows["clean"]["outcome"] == "unchanged"
    assert rows["clean"]["pull_request"] == "https://github.example/acme/clean/pull/1"
    assert [method for method, *_ in github.requests] == ["GET", "POST", "GET"]
    assert fresh_fleet.all_refs() == refs


def test_github_backend_without_a_token_fails_before_any_work(
    fresh_fleet: Fleet,
    github: FakeGithub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("TESLER_GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    before = fresh_fleet.all_refs()
    assert tesler("fleet", "apply", str(manifest(fresh_fleet, github.url))) == 1
    assert "export TESLER_GITHUB_TOKEN or GITHUB_TOKEN" in capsys.readouterr().err
    assert fresh_fleet.all_refs() == before
    assert github.requests == []


def test_github_api_errors_fail_that_repository_only(
    fresh_fleet: Fleet, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    code, rows = apply(manifest(fresh_fleet, f"{github.url}/wrong-base"))
    assert code == 1
    assert rows["clean"]["outcome"] == "failed"
    assert "answered 404" in str(rows["clean"]["message"])
    assert rows["current"]["outcome"] == "up-to-date"


def test_an_api_url_in_clear_text_is_refused_naming_the_manifest_line(
    fresh_fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TESLER_GITHUB_TOKEN", "t0ken-value")
    path = manifest(fresh_fleet, "http://github.example/api")
    before = fresh_fleet.all_refs()
    assert tesler("fleet", "apply", str(path)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "fleet.yml:5: settings.push.github.api_url:" in err
    assert "use an https:// URL" in err
    assert fresh_fleet.all_refs() == before


class _Redirect(BaseHTTPRequestHandler):
    """Answers every request with a redirect to `target` (another origin)."""

    target = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        self.send_response(307)
        self.send_header("Location", f"{self.target}{self.path.removeprefix('/api')}")
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_the_token_is_not_sent_along_a_redirect_to_another_origin(
    fresh_fleet: Fleet, github: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESLER_GITHUB_TOKEN", "t0ken-value")
    handler = type("Redirect", (_Redirect,), {"target": github.url})
    with serving(handler) as server:
        code, rows = apply(manifest(fresh_fleet, f"{url_of(server)}/api"))
    # The other origin (another port) received the GET, without the token; urllib does not
    # follow a 307 for the POST, so the repository then fails, alone.
    assert [(method, auth) for method, _, _, auth in github.requests] == [("GET", None)]
    assert code == 1
    assert rows["clean"]["outcome"] == "failed"


def test_api_error_bodies_are_cut_short_and_masked(
    fresh_fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "t0ken-value-42"  # noqa: S105  (a fake token for the test server)
    monkeypatch.setenv("TESLER_GITHUB_TOKEN", token)
    body = (f"echo: {token} https://user:pw@host/x \x1b[2J" + "x" * 5000).encode()

    class Failing(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep the test output quiet."""

        def do_GET(self) -> None:
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Failing) as server:
        code, rows = apply(manifest(fresh_fleet, url_of(server)))
    assert code == 1
    message = str(rows["clean"]["message"])
    assert "answered 500" in message
    assert token not in message
    assert "pw@" not in message
    assert "https://***@host/x" in message
    assert "\x1b" not in message
    assert "[cut]" in message
    assert len(message) < 600
    state = (fresh_fleet.root / ".tesler-fleet-state.json").read_text(encoding="utf-8")
    assert token not in state
