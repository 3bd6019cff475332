"""Serve bare git repositories over git's smart HTTP protocol on 127.0.0.1, as a forge does.

`git http-backend` is the CGI program git ships for this. The standard library's CGI
handler is deprecated and does not decode the chunked bodies git sends for large pushes,
so this module forwards each request to `git http-backend` itself: a few dozen lines.
Tests hand tesler, Copier and uv only the URL, never the repository's path on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tests.support.http_server import serving, url_of

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@dataclass
class GitHttpServer:
    """Bare repositories under `root`, each served at `base/<name>.git`."""

    root: Path
    base: str
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, name: str) -> str:
        """The URL of repository `name` (`<name>.git` under the root)."""
        return f"{self.base}/{name}.git"

    def publish(self, source: Path, name: str) -> str:
        """Serve a bare clone of `source` (every branch and tag) as `name`; return its URL."""
        bare = self.root / f"{name}.git"
        if bare.exists():
            shutil.rmtree(bare)
        _git(self.root, "clone", "--quiet", "--bare", "--", str(source), str(bare))
        _git(bare, "config", "http.receivepack", "true")  # pushes arrive over HTTP too
        return self.url(name)

    def create(self, name: str) -> str:
        """Serve a new empty repository `name` that accepts pushes; return its URL."""
        bare = self.root / f"{name}.git"
        _git(self.root, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        _git(bare, "config", "http.receivepack", "true")
        return self.url(name)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, decoded from chunks when git streams a large push."""
    if handler.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    chunks = []
    while size := int(handler.rfile.readline().split(b";")[0].strip(), 16):
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()
    handler.rfile.readline()
    return b"".join(chunks)


def _cgi_response(output: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a CGI program's output."""
    separator = b"\r\n\r\n" if b"\r\n\r\n" in output else b"\n\n"
    head, _, body = output.partition(separator)
    status = 200
    headers = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers.append((name, value.strip()))
    return status, headers, body


def _handler(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep the test output quiet (requests are recorded on the server instead)."""

        def do_GET(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def _forward(self) -> None:
            path, _, query = self.path.partition("?")
            server.requests.append((self.command, path))
            body = _read_body(self)
            env = {
                "PATH": os.environ.get("PATH", ""),
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": unquote(path),
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": self.client_address[0],
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            }
            completed = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            )
            status, headers, payload = _cgi_response(completed.stdout)
            if completed.returncode != 0 and not completed.stdout:
                status, payload = 500, completed.stderr
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve_git(root: Path) -> Iterator[GitHttpServer]:
    """Serve the bare repositories under `root` on 127.0.0.1 until the block ends."""
    server = GitHttpServer(root=root, base="")
    with serving(_handler(server)) as httpd:
        server.base = url_of(httpd)
        yield server
