"""The only module that imports Copier: a Copier upgrade touches this file alone.

Copier reports a failed validator or a bad choice as a bare ValueError with a traceback;
this adapter turns those into tesler errors that name the question and the fix.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import git
from tesler.errors import AnswerError, TemplateError, UntrustedTemplateError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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
    """Share Jinja compilations between renders; ask git and merge the answers once per render.

    And skip git's submodule script after a clone that has no submodule, and Jinja for a path
    part, task or message that holds no Jinja.
    """
    from tesler import compile_cache  # noqa: PLC0415  (imports Jinja: only renders pay it)

    compile_cache.install()
    _keep_strings_without_jinja()
    _skip_submodule_update_without_submodules()
    _query_file_mode_once()
    _merge_answers_once_per_render()
    _parse_each_config_once()


_FROZEN = "_tesler_frozen"
_FROZEN_PATH = "_tesler_frozen_answers_path"


def _merge_answers_once_per_render() -> None:
    """Make Copier merge a render's answers once, not once per file and path part.

    Copier's `_render_context` runs for every path part and file it renders, and each time
    rebuilds `AnswersMap.combined` (a merge of seven mappings) and `_answers_to_remember`:
    41,582 times in tesler's 15 update tests, 1.85 s of their 18.2 s (measured 2026-12-02).
    The answers file's path (`answers_relpath`) is rendered again for every path part too: 6%
    of the CPU of tesler's fast tests (profiled 2026-12-02). While `_render_template` runs no
    question is asked and no answer changes, so the three are built when it starts and each
    call gets a fresh copy, as it did from Copier. Outside that method Copier's own code runs.
    Copier offers no option for this; if any of the four is gone, nothing is changed.
    """
    from copier._main import Worker  # noqa: PLC0415  (see _query_file_mode_once)
    from copier._user_data import AnswersMap  # noqa: PLC0415

    render = getattr(Worker, "_render_template", None)
    remember = getattr(Worker, "_answers_to_remember", None)
    combined = AnswersMap.__dict__.get("combined")
    relpath = Worker.__dict__.get("answers_relpath")
    if (
        render is None
        or remember is None
        or not isinstance(combined, property)
        or combined.fget is None
        or not isinstance(relpath, property)
        or relpath.fget is None
        or getattr(render, "tesler_once", False)
    ):
        return
    merge = combined.fget
    answers_path = relpath.fget

    def combined_once(answers: AnswersMap) -> Mapping[str, object]:
        frozen = answers.__dict__.get(_FROZEN)
        return dict(frozen) if frozen is not None else merge(answers)

    def remember_once(worker: Worker) -> Mapping[str, object]:
        frozen = worker.__dict__.get(_FROZEN)
        return dict(frozen) if frozen is not None else remember(worker)

    def answers_path_once(worker: Worker) -> Path:
        frozen: Path | None = worker.__dict__.get(_FROZEN_PATH)
        if frozen is not None:
            return frozen
        rendered: Path = answers_path(worker)
        return rendered

    def render_template_once(worker: Worker) -> None:
        answers = worker.answers
        # Copier's dataclasses forbid extra attributes: set them as _query_file_mode_once does.
        object.__setattr__(answers, _FROZEN, merge(answers))
        object.__setattr__(worker, _FROZEN, remember(worker))
        object.__setattr__(worker, _FROZEN_PATH, answers_path(worker))
        try:
            render(worker)
        finally:
            answers.__dict__.pop(_FROZEN, None)
            worker.__dict__.pop(_FROZEN, None)
            worker.__dict__.pop(_FROZEN_PATH, None)

    render_template_once.tesler_once = True  # type: ignore[attr-defined]
    AnswersMap.combined = property(combined_once)  # type: ignore[method-assign, assignment]
    Worker.answers_relpath = property(answers_path_once)  # type: ignore[method-assign, assignment]
    Worker._answers_to_remember = remember_once  # type: ignore[method-assign, assignment]  # noqa: SLF001
    Worker._render_template = render_template_once  # type: ignore[method-assign, assignment]  # noqa: SLF001


def _parse_each_config_once() -> None:
    """Make Copier parse each distinct copier.yml once per process, not once per render.

    Copier reads the template's copier.yml for every render with PyYAML's pure-Python loader
    (an update renders three times, a fleet worker updates repository after repository from
    the same releases): 9% of the CPU of tesler's fast tests (profiled 2026-12-02). The parse
    depends on the file's bytes alone unless it uses `!include`, which reads other files: such
    a file is parsed each time, as before. Each render gets its own deep copy, so nothing it
    changes reaches the next. Copier offers no option for this; if the function is gone,
    nothing is changed.
    """
    from copier import _template  # noqa: PLC0415  (see _query_file_mode_once)

    original: Callable[[Path, bool], dict[str, object]] | None = getattr(
        _template, "load_template_config", None
    )
    if original is None or getattr(original, "tesler_once", False):
        return
    parsed: dict[bytes, dict[str, object]] = {}

    def load_once(conf_path: Path, quiet: bool = False) -> dict[str, object]:  # noqa: FBT001, FBT002  (Copier's signature)
        content = conf_path.read_bytes()
        if b"!include" in content:
            return original(conf_path, quiet)
        if content not in parsed:
            parsed[content] = original(conf_path, quiet)
        return copy.deepcopy(parsed[content])

    load_once.tesler_once = True  # type: ignore[attr-defined]
    _template.load_template_config = load_once


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
            asked = ["config", "--type=bool", "--get", "core.fileMode"]
            setting = git.query(asked, worker.subproject.local_abspath) or ""
            object.__setattr__(worker, _FILE_MODE, setting)  # Copier's dataclass forbids extras
        if setting == "false":
            original(worker, dst_relpath, src_mode)

    sync_when_file_mode_is_false.tesler_once = True  # type: ignore[attr-defined]
    Worker._sync_git_index_executable_bit = sync_when_file_mode_is_false  # type: ignore[method-assign, assignment]  # noqa: SLF001


def _keep_strings_without_jinja() -> None:
    """Make Copier keep a string that holds no Jinja as it is, instead of rendering it.

    Copier renders every part of every path (`src`, `core`, `schema.py.jinja`) and every task
    and message as a Jinja template: a new template object, the render's context, a render.
    Most parts hold no Jinja at all: 342 of the 418 strings of one render of tesler's template
    (CPU in Python per `tesler new --no-setup`, in a warm process: 132-154 ms rendering them,
    114-123 ms keeping them; 2026-12-04). For such a string Jinja's output is the string itself
    when it holds no start of a block, variable or comment and no line break (Jinja would
    normalise or drop one), the environment has no line statements or comments, and no extension
    filters the token stream. The extensions' preprocess hooks still run, as Jinja runs them
    first (Copier's yield tag resets its state there); a string they change is rendered by
    Copier. If the method is gone, nothing changes.
    """
    from copier._main import Worker  # noqa: PLC0415  (see _query_file_mode_once)
    from jinja2.ext import Extension  # noqa: PLC0415  (Copier's dependency, loaded with it)

    original = getattr(Worker, "_render_string", None)
    if original is None or getattr(original, "tesler_once", False):
        return

    def keep_or_render(
        worker: Worker, string: str, extra_context: Mapping[str, object] | None = None
    ) -> str:
        environment = worker.jinja_env
        starts = (
            environment.block_start_string,
            environment.variable_start_string,
            environment.comment_start_string,
        )
        if (
            isinstance(string, str)
            and "\n" not in string
            and "\r" not in string
            and not any(start in string for start in starts)
            and environment.line_statement_prefix is None
            and environment.line_comment_prefix is None
            and all(
                type(extension).filter_stream is Extension.filter_stream
                for extension in environment.extensions.values()
            )
            and environment.preprocess(string) == string
        ):
            return string
        rendered: str = original(worker, string, extra_context)
        return rendered

    keep_or_render.tesler_once = True  # type: ignore[attr-defined]
    Worker._render_string = keep_or_render  # type: ignore[method-assign, assignment]  # noqa: SLF001


def _skip_submodule_update_without_submodules() -> None:
    """Make Copier's clone of a template skip `git submodule update` when there is no submodule.

    Copier runs `git submodule update --checkout --init --recursive --force` after every clone
    of the template (an update clones it twice). Up to git 2.45 `git submodule` is a shell
    script that starts about a dozen processes: 31 ms of CPU each time in a repository without
    submodules, for nothing (2026-12-04, git 2.39). It is skipped when the checkout has no
    `.gitmodules` and its index no submodule entry (mode 160000), where git would do nothing;
    otherwise it runs as before. Copier offers no option for this; if the function is gone,
    nothing is changed.
    """
    from copier import _vcs  # noqa: PLC0415  (see _query_file_mode_once)

    original = getattr(_vcs, "get_git", None)
    if original is None or getattr(original, "tesler_once", False):
        return

    class SkipsAnEmptySubmoduleUpdate:
        """Copier's git command, except for a `submodule update` that has nothing to do."""

        def __init__(self, command: Callable[..., str], folder: Path | str | None) -> None:
            self._command = command
            self._folder = folder

        def __call__(self, *args: object, **kwargs: object) -> str:
            if args[:2] == ("submodule", "update") and not _has_submodules(
                Path(self._folder or Path.cwd())  # Copier's clone runs it in `local.cwd`
            ):
                return ""
            return self._command(*args, **kwargs)

        def __getitem__(self, args: object) -> object:
            return self._command[args]  # type: ignore[index]

        def __getattr__(self, name: str) -> object:
            return getattr(self._command, name)

    def get_git(context_dir: Path | str | None = None) -> object:
        return SkipsAnEmptySubmoduleUpdate(original(context_dir), context_dir)

    get_git.tesler_once = True  # type: ignore[attr-defined]
    _vcs.get_git = get_git  # type: ignore[assignment]  # a stand-in, not a BaseCommand


def _has_submodules(checkout: Path) -> bool:
    """Whether `checkout` declares a submodule or its index holds one (True when unsure)."""
    if (checkout / ".gitmodules").exists():
        return True
    listed = git.query(["ls-files", "--stage", "-z"], checkout)
    if listed is None:
        return True
    return any(entry.startswith("160000 ") for entry in listed.split("\0"))


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
