"""Local stand-ins for the base images a generated project's Dockerfile names, in their own store.

No image registry is reachable from the machines tesler is tested on and there is no Docker
engine, but Debian's buildah and podman build and run images with chroot isolation. The
project's Dockerfile is built unmodified, so the images its `FROM` lines name are made here from
what can be reached: a Debian root file system from Debian's packages (debootstrap, with
Debian's own Python) stands in for `python:<version>-slim-<release>`, and the binaries of PyPI's
`uv` wheel for `ghcr.io/astral-sh/uv:<version>`. The store is kept between sessions (a base
image is made once per machine, again only when its recipe changes); a project's image is built
in a store of the session's own, in its temporary folder, where the base images are copied.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

# Where the base images and buildah's cache of downloaded wheels live between sessions.
STORE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tesler-tests" / "images"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# Bump when the way a base image is made changes: an image made by another recipe is made again.
RECIPE = "1"
# The label of a base image that records the recipe it was made by.
RECIPE_LABEL = "dev.tesler.test-recipe"
# Files a Python runtime never reads, left out of the root file system to keep it small.
TRIMMED = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/man",
)
SLIM_PYTHON = re.compile(r"python:(?P<version>\d+\.\d+)-slim-(?P<release>[a-z]+)")


class ImageToolError(RuntimeError):
    """A buildah, podman or debootstrap command failed: its command line and output."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        """Say which command failed, with the end of its output."""
        output = (completed.stdout[-3000:] + completed.stderr[-3000:]).strip()
        command = " ".join(str(part) for part in completed.args)
        super().__init__(f"`{command}` exited {completed.returncode}:\n{output}")


@dataclass(frozen=True)
class BaseImages:
    """The two images a project's Dockerfile builds from, as its `FROM` lines name them."""

    python: str  # python:<version>-slim-<release>
    uv: str  # ghcr.io/astral-sh/uv:<version>

    @classmethod
    def named_in(cls, dockerfile: Path) -> BaseImages:
        """Read the names from the Dockerfile, so the stand-ins follow the template's pins."""
        text = dockerfile.read_text()
        python = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
        uv = re.search(r"^FROM (ghcr\.io/astral-sh/uv:\S+) AS uv$", text, re.MULTILINE)
        assert python, f"{dockerfile} names no PYTHON_IMAGE"
        assert uv, f"{dockerfile} has no `FROM ghcr.io/astral-sh/uv:<version> AS uv` stage"
        return cls(python=python.group(1), uv=uv.group(1))


@dataclass(frozen=True)
class ImageStore:
    """A containers-storage of its own (overlay), used through buildah and podman alike."""

    root: Path
    # Where buildah keeps `RUN --mount=type=cache` folders (the images' wheel cache), when not
    # under `root`: a store made for one session keeps using the kept store's.
    cache_root: Path | None = None

    @property
    def variables(self) -> dict[str, str]:
        """The environment variables buildah, podman and `docker` (podman by that name) need."""
        return {
            "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
            # The sandbox refuses the rlimits an OCI runtime sets: run steps in a chroot.
            "BUILDAH_ISOLATION": "chroot",
            # What `docker build` writes: the Docker format keeps HEALTHCHECK (OCI drops it).
            "BUILDAH_FORMAT": "docker",
            # No intermediate image per step: each project is built once, and committing
            # every step's layer nearly doubled the build (96 s against 55 s, measured here).
            "BUILDAH_LAYERS": "false",
            # buildah keeps `RUN --mount=type=cache` folders under TMPDIR.
            "TMPDIR": str((self.cache_root or self.root) / "tmp"),
        }

    def prepare(self) -> ImageStore:
        """Create the store's folders and its storage.conf; return the store."""
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        (self.root / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{self.root / "storage"}"\n'
            f'runroot = "{self.root / "run"}"\n'
        )
        return self

    def run(self, *command: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run buildah, podman or debootstrap on this store; raise ImageToolError on failure."""
        completed = subprocess.run(
            [str(part) for part in command],
            env={**os.environ, **self.variables},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and completed.returncode != 0:
            raise ImageToolError(completed)
        return completed

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock: one process at a time makes or saves the kept base images.

        A session's own store needs none: only its process builds in it.
        """
        with (self.root / "lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def config(self, image: str) -> dict[str, object]:
        """The image's Docker configuration: user, environment, entry point, labels..."""
        inspected = json.loads(self.run("buildah", "inspect", "--type", "image", image).stdout)
        config: dict[str, object] = inspected["Docker"]["config"]
        return config

    def recipe_of(self, image: str) -> str | None:
        """The recipe label of a local image, or None when the store lacks the image."""
        if self.run("buildah", "inspect", "--type", "image", image, check=False).returncode:
            return None
        labels = self.config(image).get("Labels") or {}
        assert isinstance(labels, dict)
        recipe = labels.get(RECIPE_LABEL)
        return str(recipe) if recipe is not None else None

    @contextmanager
    def container(self, image: str) -> Iterator[str]:
        """A working container of a local image (never pulled), removed afterwards."""
        name = self.run("buildah", "from", "--pull=never", "--quiet", image).stdout.strip()
        try:
            yield name
        finally:
            self.run("buildah", "rm", name, check=False)


def ca_bundle() -> Path | None:
    """The host's trust store, which the images' downloads need behind a TLS-inspecting proxy."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def recipe_hash(*parts: str | bytes) -> str:
    """A short digest of everything an image is made from."""
    digest = hashlib.sha256(RECIPE.encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
    return digest.hexdigest()[:16]


def ensure_base_images(store: ImageStore, images: BaseImages, work: Path) -> list[str]:
    """Make the base images the store lacks (or holds from another recipe); return those made."""
    made = []
    with store.locked():
        python_recipe = python_image_recipe(images.python)
        if store.recipe_of(qualified(images.python)) != python_recipe:
            make_python_image(store, images.python, python_recipe, work / "python")
            made.append(images.python)
        uv_recipe = recipe_hash("uv", images.uv)
        if store.recipe_of(images.uv) != uv_recipe:
            make_uv_image(store, images.uv, uv_recipe, work / "uv")
            made.append(images.uv)
    return made


def copy_base_images(kept: ImageStore, session: ImageStore, images: BaseImages, work: Path) -> None:
    """Copy the base images from the kept store into the session's (an archive each).

    A build writes the whole environment's layer into its store: on memory (the session's
    store under TMPDIR) `make image` took 28.0-29.7 s against 39.0-39.5 s in the kept store on
    disk, in turns (2026-12-03). The kept store stays where base images outlive a session.
    """
    work.mkdir(parents=True, exist_ok=True)
    for name in (qualified(images.python), images.uv):
        if session.run("buildah", "inspect", "--type", "image", name, check=False).returncode == 0:
            continue
        archive = work / f"{recipe_hash(name)}.tar"
        with kept.locked():
            kept.run("podman", "save", "--format", "docker-archive", "--output", archive, name)
        session.run("podman", "load", "--quiet", "--input", archive)
        archive.unlink()


def qualified(name: str) -> str:
    """The fully qualified name podman resolves a Docker Hub short name to."""
    return name if "/" in name else f"docker.io/library/{name}"


def python_image_recipe(name: str) -> str:
    bundle = ca_bundle()
    return recipe_hash(
        "python", name, DEBIAN_MIRROR, *TRIMMED, bundle.read_bytes() if bundle else b""
    )


def make_python_image(store: ImageStore, name: str, recipe: str, work: Path) -> None:
    """Stand in for python:<version>-slim-<release>: Debian <release> with Debian's Python.

    The official image's Python lives in /usr/local/bin, Debian's in /usr/bin; both are on PATH,
    where `uv sync` (UV_PYTHON_DOWNLOADS=never) looks for `python<version>`.
    """
    matched = SLIM_PYTHON.fullmatch(name)
    assert matched, f"the Dockerfile's PYTHON_IMAGE {name} is not python:<version>-slim-<release>"
    version, release = matched.group("version"), matched.group("release")
    rootfs = work / "rootfs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store.run(
        "debootstrap", "--variant=minbase", "--include=python3", release, rootfs, DEBIAN_MIRROR
    )
    interpreter = rootfs / "usr" / "bin" / f"python{version}"
    assert interpreter.exists(), (
        f"Debian {release} ships no python{version}: a local {name} cannot be made from it; "
        f"the tests build only projects on Debian {release}'s own Python"
    )
    for trimmed in TRIMMED:
        shutil.rmtree(rootfs / trimmed, ignore_errors=True)
    changes = [f"LABEL {RECIPE_LABEL}={recipe}", "ENV LANG=C.UTF-8", 'CMD ["python3"]']
    bundle = ca_bundle()
    if bundle is not None:
        # uv verifies PyPI's certificate with the trust store of the machine running the tests.
        target = rootfs / "etc" / "ssl" / "certs" / "ca-certificates.crt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundle, target)
        changes.append("ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
    archive = work / "rootfs.tar"
    subprocess.run(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."], check=True
    )
    shutil.rmtree(rootfs)
    store.run(
        "podman", "import", *(f"--change={change}" for change in changes), archive, qualified(name)
    )
    shutil.rmtree(work)


def make_uv_image(store: ImageStore, name: str, recipe: str, work: Path) -> None:
    """Stand in for ghcr.io/astral-sh/uv:<version>: /uv and /uvx of PyPI's uv wheel, on scratch."""
    version = name.rsplit(":", 1)[1]
    shutil.rmtree(work, ignore_errors=True)
    target = work / "wheel"
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--target", str(target), f"uv=={version}"],
        check=True,
    )
    binaries = target / "bin"
    reported = subprocess.run(
        [str(binaries / "uv"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert reported.split()[:2] == ["uv", version], reported
    container = store.run("buildah", "from", "--quiet", "scratch").stdout.strip()
    try:
        store.run("buildah", "copy", "--quiet", container, binaries / "uv", binaries / "uvx", "/")
        store.run("buildah", "config", "--entrypoint", '["/uv"]', container)
        store.run("buildah", "config", "--label", f"{RECIPE_LABEL}={recipe}", container)
        store.run("buildah", "commit", "--quiet", "--rm", container, name)
    except ImageToolError:
        store.run("buildah", "rm", container, check=False)
        raise
    shutil.rmtree(work)
