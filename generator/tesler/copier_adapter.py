"""The only module that imports Copier: a Copier upgrade touches this file alone.

Copier reports a failed validator or a bad choice as a bare ValueError with a traceback;
this adapter turns those into tesler errors that name the question and the fix.
"""

from __future__ import annotations

import re
import subprocess
import warnings
from typing import TYPE_CHECKING

from tesler.errors import AnswerError, TemplateError, UntrustedTemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

_VALIDATION = re.compile(
    r"Validation error for question '(?P<field>[^']+)': (?P<message>.*)", re.DOTALL
)
_CHOICE = re.compile(r"Invalid choice for '(?P<field>[^']+)': (?P<message>.*)", re.DOTALL)
_UNSAFE = re.compile(r"unsafe features?: (?P<features>[^.]+)\.")
_RENDER_FIX = "check --template (a URL or the path of a template repository) and --vcs-ref"
_UPDATE_FIX = "check `_src_path` and `_commit` in .copier-answers.yml and the --to ref"


def render(
    template: str,
    destination: Path,
    data: dict[str, object],
    *,
    vcs_ref: str | None,
    defaults: bool,
) -> None:
    """Render `template` into `destination` with Copier (no tasks, no trust needed)."""
    import copier  # noqa: PLC0415  (import copier costs ~0.6 s; only commands that render pay it)
    from copier.errors import CopierError  # noqa: PLC0415

    _speed_up_copier()

    with warnings.catch_warnings():
        # Dirty-template warnings are handled (refused or allowed) before rendering.
        warnings.simplefilter("ignore")
        try:
            copier.run_copy(
                template,
                destination,
                data=data,
                vcs_ref=vcs_ref,
                defaults=defaults,
                quiet=True,
                unsafe=False,
                cleanup_on_error=True,
            )
        except ValueError as error:
            raise _answer_error(error, data, template, fix=_RENDER_FIX) from error
        except CopierError as error:
            raise TemplateError(
                f"Copier could not render {template}: {error}", fix=_RENDER_FIX
            ) from error


def update(
    project: Path,
    *,
    vcs_ref: str,
    data: Mapping[str, object],
    unsafe: bool,
) -> None:
    """Run Copier's three-way update of `project` (a clean git checkout) to `vcs_ref`.

    Conflicts are written inline (`<<<<<<< before updating` markers plus unmerged index
    entries); Copier reports none of them, so the caller inspects the checkout afterwards.
    """
    import copier  # noqa: PLC0415  (see render)
    from copier.errors import CopierError, UnsafeTemplateError  # noqa: PLC0415
    from plumbum import ProcessExecutionError  # noqa: PLC0415  (Copier runs git through plumbum)

    _speed_up_copier()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            copier.run_update(
                project,
                data=dict(data),
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                conflict="inline",
                unsafe=unsafe,
            )
        except UnsafeTemplateError as error:
            match = _UNSAFE.search(str(error))
            features = match.group("features").split(", ") if match else ["unknown"]
            raise UntrustedTemplateError(
                str(project), features, fix="review the template's copier.yml"
            ) from error
        except ValueError as error:
            raise _answer_error(error, dict(data), str(project), fix=_UPDATE_FIX) from error
        except (CopierError, ProcessExecutionError) as error:
            raise TemplateError(
                f"Copier could not update {project} to {vcs_ref}: {error}", fix=_UPDATE_FIX
            ) from error


def _speed_up_copier() -> None:
    """Share Jinja compilations between renders; ask git for `core.fileMode` once per render."""
    from tesler import compile_cache  # noqa: PLC0415  (imports Jinja: only renders pay it)

    compile_cache.install()
    _query_file_mode_once()


_FILE_MODE = "_tesler_file_mode"


def _query_file_mode_once() -> None:
    """Make Copier read the destination's `core.fileMode` once per render, not once per file.

    For every file it writes, Copier runs `git config --get core.fileMode` in the destination
    to decide whether to copy the executable bit into the git index, which it does only when
    the setting is `false`. That is one git process per file: ~30% of a render here (profiled
    on 2026-12-01), three renders per update. The answer cannot change during one render (one
    Copier worker), so it is asked once per worker; with `false` Copier's own method runs as
    before. Copier offers no option for this; if the method is gone, nothing is changed.
    """
    from copier._main import Worker  # noqa: PLC0415  (see above)

    original = getattr(Worker, "_sync_git_index_executable_bit", None)
    if original is None or getattr(original, "tesler_once", False):
        return

    def sync_when_file_mode_is_false(worker: Worker, dst_relpath: Path, src_mode: int) -> None:
        setting = worker.__dict__.get(_FILE_MODE)
        if setting is None:
            completed = subprocess.run(
                ["git", "config", "--type=bool", "--get", "core.fileMode"],
                cwd=worker.subproject.local_abspath,
                capture_output=True,
                text=True,
                check=False,
            )
            setting = completed.stdout.strip() if completed.returncode == 0 else ""
            object.__setattr__(worker, _FILE_MODE, setting)  # Copier's dataclass forbids extras
        if setting == "false":
            original(worker, dst_relpath, src_mode)

    sync_when_file_mode_is_false.tesler_once = True  # type: ignore[attr-defined]
    Worker._sync_git_index_executable_bit = sync_when_file_mode_is_false  # type: ignore[method-assign, assignment]  # noqa: SLF001


def _answer_error(
    error: ValueError, data: dict[str, object], where: str, *, fix: str
) -> AnswerError | TemplateError:
    text = str(error).strip()
    for pattern in (_VALIDATION, _CHOICE):
        match = pattern.match(text)
        if match:
            field = match.group("field")
            message = " ".join(match.group("message").split())
            value = data.get(field, "<default>")
            problem, _, fix = message.partition(": ")
            # Validators open with "<field> '<value>'", which the AnswerError already says.
            problem = re.sub(rf"^{re.escape(field)} ('[^']*'|\S+) ", "", problem)
            return AnswerError(field, value, problem or message, fix=fix or "see copier.yml")
    # Not a question's validator: the template itself (its location, its version) is at fault.
    return TemplateError(f"Copier could not use the template for {where}: {text}", fix=fix)
