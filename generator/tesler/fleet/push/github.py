"""The `github` backend: push the branch, then find or open its pull request (REST API).

Idempotent: an open pull request for `owner:branch` is reused, never duplicated. The
API base URL is configurable (GitHub Enterprise, or a local server in tests) but must be
https (plain http only on the loopback interface, for tests); the token is sent to that
origin only, never along a redirect to another one, and error bodies are cut short and
masked before they reach a report.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING

from tesler.errors import TeslerError
from tesler.fleet.push import Published
from tesler.fleet.push.local import push_branch
from tesler.redact import one_line

if TYPE_CHECKING:
    from http.client import HTTPMessage
    from typing import IO

    from tesler.fleet.push import PushRequest

TOKEN_VARIABLES = ("TESLER_GITHUB_TOKEN", "GITHUB_TOKEN")
_SLUG = re.compile(r"github\.com[:/](?P<slug>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")
_TIMEOUT = 30.0
_ERROR_BODY = 200  # characters of an API error body kept in a report
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class GithubError(TeslerError):
    """The GitHub API refused or could not be reached."""


def api_url_problem(url: str) -> str | None:
    """Why `url` cannot be the API base (None when it can): https, or http on loopback only."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.username or parsed.password:
        return "it carries credentials; the token comes from TESLER_GITHUB_TOKEN or GITHUB_TOKEN"
    if parsed.scheme == "https" and parsed.hostname:
        return None
    if parsed.scheme == "http" and parsed.hostname in _LOOPBACK:
        return None
    return "the token would travel in clear text or to no host: use an https:// URL"


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(parsed.scheme)
    return parsed.scheme, (parsed.hostname or "").lower(), parsed.port or default


class _SameOriginAuth(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but send the token only back to the origin it was given for.

    urllib copies every header onto the redirected request, so a redirect to another
    host would receive the token; GitHub's own redirects (renamed repositories) stay on
    the API's origin and keep it.
    """

    def redirect_request(  # noqa: PLR0913, PLR0917  (urllib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
        return new


_OPENER = urllib.request.build_opener(_SameOriginAuth)


def slug_of(request: PushRequest) -> str:
    """`owner/name` from the manifest's `github:` field, or from a github.com remote URL."""
    if request.github:
        return request.github
    match = _SLUG.search(request.remote)
    if match is None:
        raise GithubError(
            f"cannot tell which GitHub repository {request.repository} is ({request.remote})",
            fix="add `github: owner/name` to the repository in the manifest",
        )
    return match.group("slug")


class GithubBackend:
    """Pushes the branch and opens a pull request against the repository's branch."""

    name = "github"

    def __init__(self, *, api_url: str, token: str | None) -> None:
        """`token` comes from TESLER_GITHUB_TOKEN or GITHUB_TOKEN (read by apply)."""
        problem = api_url_problem(api_url)
        if problem is not None:
            raise GithubError(
                f"settings.push.api_url {one_line(api_url)} is refused: {problem}",
                fix="set settings.push.api_url to https://api.github.com or your server's "
                "https:// API URL",
            )
        self.api_url = api_url.rstrip("/")
        self.token = token

    def publish(self, request: PushRequest) -> Published:
        """Push (if needed), then reuse the open pull request or open one."""
        slug = slug_of(request)
        self._require_token()
        pushed = push_branch(request)
        owner = slug.split("/", 1)[0]
        query = urllib.parse.urlencode({"head": f"{owner}:{request.branch}", "state": "open"})
        existing = self._call("GET", f"/repos/{slug}/pulls?{query}")
        if isinstance(existing, list) and existing and isinstance(existing[0], dict):
            return Published(pushed=pushed, pull_request=str(existing[0].get("html_url")))
        created = self._call(
            "POST",
            f"/repos/{slug}/pulls",
            {
                "title": request.title,
                "head": request.branch,
                "base": request.base_branch,
                "body": request.body,
                "draft": request.draft,
            },
        )
        url = created.get("html_url") if isinstance(created, dict) else None
        return Published(pushed=pushed, pull_request=str(url))

    def _require_token(self) -> None:
        if not self.token:
            raise GithubError(
                "no GitHub token for the github push backend",
                fix=f"export {TOKEN_VARIABLES[0]} or {TOKEN_VARIABLES[1]} "
                "(a token allowed to push and to open pull requests)",
            )

    def _call(self, method: str, path: str, payload: dict[str, str | bool] | None = None) -> object:
        request = urllib.request.Request(  # noqa: S310  (the URL is the configured API base)
            f"{self.api_url}{path}",
            data=json.dumps(payload).encode() if payload is not None else None,
            method=method,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "tesler-fleet",
                "Content-Type": "application/json",
            },
        )
        try:
            with _OPENER.open(request, timeout=_TIMEOUT) as response:
                body: object = json.loads(response.read() or b"null")
                return body
        except urllib.error.HTTPError as error:
            # The body is the server's text: cut short and masked before any report sees it.
            detail = one_line(error.read(4 * _ERROR_BODY).decode(errors="replace"))
            if len(detail) > _ERROR_BODY:
                detail = detail[:_ERROR_BODY] + " [cut]"
            raise GithubError(
                f"GitHub API {method} {path} answered {error.code}: {detail}",
                fix="check that the token may open pull requests (`pull-requests: write`) "
                "and that the repository and base branch exist",
            ) from None
        except urllib.error.URLError as error:
            raise GithubError(
                f"GitHub API {self.api_url} is unreachable: {error.reason}",
                fix="check settings.push.api_url in the manifest and the network",
            ) from None
