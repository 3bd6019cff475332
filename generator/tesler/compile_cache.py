"""Jinja compilations shared by every Copier render in this process.

Copier builds a new Jinja environment for each render and compiles every template file and
every path part again. An update renders three times (old version, new version, the project)
and a fleet worker updates many repositories from the same template, so most compilations
repeat: profiled on 2026-12-01, compiling took ~45% of a fleet worker's update. Jinja's own
bytecode cache serves only loader templates and Copier offers no hook to pass one, so this
module memoises `compile` of the environment class Copier uses (hand-written for that reason).

The key holds everything the compiled code depends on: the source, the template name, the
lexer settings, the extensions, the filter and test names, finalize and the code generator.
The file name is left out (Copier renders from a fresh temporary clone each time) and put back
into the returned code, so error messages still name the file being rendered.

A compilation this process has not made is looked up on disk before it is made, and stored
there after: every new process (each `tesler` command, each fleet worker) would otherwise
compile the whole template again, 30% of a fleet worker's CPU in tesler's fast tests (profiled
2026-12-02). The files are Jinja's own bytecode cache (`FileSystemBytecodeCache`: marshalled
code checked against the Python version and the source's checksum) in Jinja's per-user folder
in the temporary directory, which it keeps private (mode 0700, owned by the user); fleet
workers, whose temporary directory is their run's scratch folder, are given their parent's
folder by `DISK_CACHE_VARIABLE` and use it only if it is private too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import weakref
from collections import OrderedDict
from types import CodeType
from typing import TYPE_CHECKING

from jinja2.bccache import FileSystemBytecodeCache
from jinja2.sandbox import SandboxedEnvironment

from tesler.private_folder import is_private

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from jinja2 import Environment
    from jinja2.nodes import Template

# Names the folder of compilations a process should use (set by `tesler fleet apply`).
DISK_CACHE_VARIABLE = "TESLER_JINJA_CACHE_DIR"
_MAX_ENTRIES = 20_000
_cache: OrderedDict[tuple[Hashable, ...], CodeType] = OrderedDict()
_lock = threading.Lock()
_installed: list[bool] = []
# Per environment: the digest of its key, and the filter and test counts it was computed with.
_keys: weakref.WeakKeyDictionary[Environment, tuple[int, int, str]] = weakref.WeakKeyDictionary()


def _qualified(thing: object) -> str | None:
    """A stable name for a class or function (identity would differ per environment)."""
    if thing is None:
        return None
    target = getattr(thing, "func", thing)  # functools.partial: name what it wraps
    kind = target if isinstance(target, type) else type(target)
    name = getattr(target, "__qualname__", kind.__qualname__)
    return f"{getattr(target, '__module__', kind.__module__)}.{name}"


def environment_key(environment: Environment) -> tuple[Hashable, ...]:
    """Every setting of `environment` that changes the code `compile` produces."""
    autoescape = environment.autoescape
    return (
        _qualified(type(environment)),
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        environment.is_async,
        autoescape if isinstance(autoescape, bool) else _qualified(autoescape),
        _qualified(environment.finalize),
        _qualified(environment.code_generator_class),
        tuple(sorted(_qualified(extension) or "" for extension in environment.extensions.values())),
        tuple(sorted((name, _qualified(f)) for name, f in environment.filters.items())),
        tuple(sorted((name, _qualified(f)) for name, f in environment.tests.items())),
    )


def _key_of(environment: Environment) -> str:
    """A digest of `environment_key`, made once per environment unless filters or tests were added.

    A digest, not the key itself: Copier's environments hold ~130 filters and tests, and that
    tuple was hashed twice and compared on every lookup (each render's new environment holds
    an equal key, never the same object). A compilation served from memory took 61-62 us
    with the tuple and 25-31 us with the digest (3,375 of them in 5 renders, 2026-12-03).
    """
    counts = (len(environment.filters), len(environment.tests))
    known = _keys.get(environment)
    if known is None or known[:2] != counts:
        digest = hashlib.sha256(repr(environment_key(environment)).encode()).hexdigest()
        known = (*counts, digest)
        _keys[environment] = known
    return known[2]


def _with_filename(code: CodeType, filename: str) -> CodeType:
    """`code` (and the functions inside it) as if compiled from `filename`."""
    constants = tuple(
        _with_filename(constant, filename) if isinstance(constant, CodeType) else constant
        for constant in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=constants)


def disk_cache_directory() -> str | None:
    """The private folder of compilations for this process, or None when there is none.

    `DISK_CACHE_VARIABLE` if set and private (a folder of this user's, mode 0700), else
    Jinja's default folder, which Jinja creates private or refuses.
    """
    named = os.environ.get(DISK_CACHE_VARIABLE)
    if named:
        return named if is_private(named) else None
    try:
        return FileSystemBytecodeCache().directory
    except (OSError, RuntimeError):  # no temporary directory Jinja can keep private
        return None


_disk: list[FileSystemBytecodeCache | None] = []


def _disk_cache() -> FileSystemBytecodeCache | None:
    """The disk layer, chosen at this process's first compilation.

    Not at import: a fleet worker takes its parent's environment after it starts.
    """
    with _lock:
        if not _disk:
            directory = disk_cache_directory()
            _disk.append(None if directory is None else FileSystemBytecodeCache(directory))
        return _disk[0]


def _compile_or_load(
    compile_: Callable[[], CodeType],
    environment: Environment,
    key: tuple[Hashable, ...],
    source: str,
) -> CodeType:
    """The code of `key` from disk, else compiled and written there (best effort)."""
    disk = _disk_cache()
    if disk is None:
        return compile_()
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    try:
        bucket = disk.get_bucket(environment, name, None, source)
    except OSError:
        return compile_()
    if isinstance(bucket.code, CodeType):
        return bucket.code
    bucket.code = compile_()
    # A full or read-only disk costs only the next process's compilation.
    with contextlib.suppress(OSError):
        disk.set_bucket(bucket)
    return bucket.code


def install() -> None:
    """Memoise `SandboxedEnvironment.compile` in this process (idempotent)."""
    with _lock:
        if _installed:
            return
        _installed.append(True)
    original = SandboxedEnvironment.compile

    def compile_once(  # noqa: PLR0913, PLR0917  (Jinja's signature)
        self: SandboxedEnvironment,
        source: str | Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,  # noqa: FBT001, FBT002  (Jinja's signature)
        defer_init: bool = False,  # noqa: FBT001, FBT002
    ) -> object:
        if raw or not isinstance(source, str):  # raw Python source, or an already parsed tree
            return original(self, source, name, filename, raw, defer_init)  # type: ignore[call-overload]
        with _lock:
            key = (_key_of(self), source, name, defer_init)
            code = _cache.get(key)
            if code is not None:
                _cache.move_to_end(key)
        compiled: list[bool] = []

        def compile_() -> CodeType:
            compiled.append(True)
            return original(self, source, name, filename, raw=False, defer_init=defer_init)

        if code is None:
            code = _compile_or_load(compile_, self, key, source)
            with _lock:
                _cache[key] = code
                while len(_cache) > _MAX_ENTRIES:
                    _cache.popitem(last=False)
        if not compiled:
            # A compilation starts with the extensions' preprocess hooks, which may keep state
            # for the render: Copier's yield tag resets its context there, and without the
            # reset a path part after a yield part failed to render. Served code runs them too.
            self.preprocess(source, name, filename)
        return _with_filename(code, filename or "<template>")

    SandboxedEnvironment.compile = compile_once  # type: ignore[assignment, method-assign]


def cached_entries() -> int:
    """How many compilations are held (for tests)."""
    with _lock:
        return len(_cache)
