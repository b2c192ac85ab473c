"""Where a student's answers go: an append-only progress file, and the student's seed.

The file
--------
Every graded attempt is one line of JSON (JSON Lines) appended to the student's
progress file, ``$FUNNELSIM_PROGRESS_DIR/progress.jsonl`` (default
``~/.funnelsim/progress.jsonl``). A line holds ``student, lesson, question,
answer, correct, score, time`` (UTC, ISO 8601), ``seed`` and ``lang``.

Safe writing, without a database:

* the file is opened with ``O_APPEND`` and each record is written by **one**
  ``write`` call, then ``fsync``-ed: earlier lines are never rewritten, so a
  crash mid-write can at worst leave the one record being written incomplete;
* writers (and the repair below) hold an exclusive ``flock`` on a sibling lock
  file, ``progress.jsonl.lock``, so two kernels answering at the same moment
  append whole lines one after the other; where ``fcntl`` does not exist
  (Windows) the single ``O_APPEND`` write is the only guard;
* a writer that finds the file not ending in a newline (a torn last record)
  starts its record on a new line, so a torn record never swallows a good one.

A line that does not parse (a torn record, a hand edit) makes the file
*corrupt*: :func:`progress` moves it aside to
``progress.jsonl.corrupt-<UTC time>``, warns, and starts a new file holding the
readable records (written to a temporary file and renamed into place), so
nothing readable is lost and nothing crashes.

The student's seed
------------------
:func:`student_seed` is the seed of the student's own simulations, used by quiz
questions whose answer comes from a simulation, so a neighbour's number is
wrong for you. It is, in order: the environment variable
``FUNNELSIM_STUDENT_SEED`` (an instructor or a JupyterHub spawner sets it per
student, e.g. ``c.Spawner.environment``), else the seed stored in
``student.json`` in the progress directory, created once with a random id and
a random seed (from the operating system's entropy) the first time it is needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported by the functions that return frames
    import pandas as pd

from .._io import atomic_write

__all__ = [
    "PROGRESS_COLUMNS",
    "append_record",
    "gather_progress",
    "progress",
    "progress_dir",
    "progress_file",
    "record_attempt",
    "score_table",
    "student_id",
    "student_seed",
]

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: The columns of :func:`progress` (``gather_progress`` adds ``source``).
PROGRESS_COLUMNS: tuple[str, ...] = (
    "student",
    "lesson",
    "question",
    "answer",
    "correct",
    "score",
    "time",
    "seed",
    "lang",
)
_REQUIRED = {"student", "lesson", "question", "answer", "correct", "score", "time"}


def progress_dir() -> Path:
    """The student's progress directory: ``$FUNNELSIM_PROGRESS_DIR`` or ``~/.funnelsim``."""
    env = os.environ.get("FUNNELSIM_PROGRESS_DIR", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".funnelsim"


def progress_file() -> Path:
    """The student's progress file, ``progress.jsonl`` in :func:`progress_dir`."""
    return progress_dir() / "progress.jsonl"


# --------------------------------------------------------------------------- identity


def _identity() -> dict[str, Any]:
    path = progress_dir() / "student.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data.get("student"), str) and isinstance(data.get("seed"), int):
            return data
        raise ValueError("missing fields")
    except FileNotFoundError:
        pass
    except (ValueError, OSError) as exc:
        aside = _aside(path)
        warnings.warn(
            f"student file {path} is unreadable ({exc}); moved it to {aside.name} "
            "and made a new one",
            stacklevel=3,
        )
        with contextlib.suppress(OSError):
            os.replace(path, aside)
    fresh = {"student": uuid.uuid4().hex[:12], "seed": secrets.randbits(32)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(fresh, tmp)
        tmp.flush()
        os.fsync(tmp.fileno())
    try:
        os.link(tmp.name, path)  # atomic, and fails if another kernel was first
    except FileExistsError:
        return json.loads(path.read_text(encoding="utf-8"))  # theirs wins
    except OSError:  # a file system without hard links: last writer wins
        os.replace(tmp.name, path)
        return fresh
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
    return fresh


def student_id() -> str:
    """The student's id, for quizzes and exercises alike: ``$FUNNELSIM_STUDENT``, else
    ``$FUNNELSIM_STUDENT_ID`` (its older name, still accepted), else ``$JUPYTERHUB_USER``
    (set by JupyterHub), else the random id stored in ``student.json`` (module docstring)."""
    for name in ("FUNNELSIM_STUDENT", "FUNNELSIM_STUDENT_ID", "JUPYTERHUB_USER"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return str(_identity()["student"])


def student_seed() -> int:
    """The seed of the student's own simulations (module docstring).

    Returns
    -------
    int
        A non-negative integer, the same on every call for one student.

    Raises
    ------
    ValueError
        If ``FUNNELSIM_STUDENT_SEED`` is set but is not a non-negative integer.
    """
    env = os.environ.get("FUNNELSIM_STUDENT_SEED", "").strip()
    if env:
        if not env.isdigit():
            raise ValueError(
                f"environment variable FUNNELSIM_STUDENT_SEED must be a non-negative integer, "
                f"got {env!r}"
            )
        return int(env)
    return int(_identity()["seed"])


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def append_record(record: dict[str, Any], path: str | os.PathLike[str] | None = None) -> Path:
    """Append one attempt to a progress file (module docstring: one locked, fsync-ed write).

    Parameters
    ----------
    record : dict
        JSON-serialisable; must hold the keys ``student, lesson, question,
        answer, correct, score, time``.
    path : path-like, optional
        The file; :func:`progress_file` by default.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If a required key is missing.
    """
    missing = _REQUIRED - set(record)
    if missing:
        raise ValueError(f"record is missing {sorted(missing)}; got keys {sorted(record)}")
    target = Path(path) if path is not None else progress_file()
    data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    with _locked(target):
        fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # the last record was torn: do not glue onto it
            written = os.write(fd, data)
            if written != len(data):  # pragma: no cover - disk full
                raise OSError(f"wrote {written} of {len(data)} bytes to {target}")
            os.fsync(fd)
        finally:
            os.close(fd)
    return target


def record_attempt(
    *,
    lesson: str,
    question: str,
    answer: Any,
    grade: Any,
    seed: int | None = None,
    lang: str = "en",
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """Append one graded attempt, stamped with the student and the time.

    ``grade`` is a :class:`funnelsim.quiz.bank.Grade` (anything with ``correct``
    and ``score``). Returns the file written (see :func:`append_record`).
    """
    record = {
        "student": student_id(),
        "lesson": lesson,
        "question": question,
        "answer": _plain(answer),
        "correct": bool(grade.correct),
        "score": float(grade.score),
        "time": now(),
        "seed": seed,
        "lang": lang,
    }
    return append_record(record, path)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready Python (numpy scalars and tuples included)."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds (the ``time`` field)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- reading


def _parse_lines(text: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Good records and the (1-based) numbers of bad lines."""
    good, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad.append(number)
            continue
        if not isinstance(record, dict) or _REQUIRED - set(record):
            bad.append(number)
            continue
        good.append(record)
    return good, bad


def _aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.name}.corrupt-{stamp}")


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(records)
    for column in PROGRESS_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame = frame[list(PROGRESS_COLUMNS)]
    frame["answer"] = [json.dumps(a, ensure_ascii=False) for a in frame["answer"]]
    frame["correct"] = frame["correct"].astype(bool)
    frame["score"] = frame["score"].astype(float)
    # a whole number, as the student's seed is (None, for a question without one, stays <NA>)
    frame["seed"] = pd.array([None if v is None or v != v else int(v) for v in frame["seed"]],
                             dtype="Int64")  # fmt: skip
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


def progress(
    path: str | os.PathLike[str] | None = None, *, lesson: str | None = None
) -> pd.DataFrame:
    """The student's attempts, one row each, oldest first.

    A corrupt file is moved aside with a warning and replaced by one holding its
    readable records (module docstring).

    Parameters
    ----------
    path : path-like, optional
        The progress file; :func:`progress_file` by default. A missing file
        gives an empty table.
    lesson : str, optional
        Keep only this lesson's attempts.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROGRESS_COLUMNS`; ``answer`` is the answer as JSON text,
        ``time`` a UTC timestamp.
    """
    target = Path(path) if path is not None else progress_file()
    if not target.exists():
        return _frame([]).iloc[0:0]
    with _locked(target):
        text = target.read_text(encoding="utf-8", errors="replace")
        records, bad = _parse_lines(text)
        if bad:
            aside = _aside(target)
            os.replace(target, aside)
            body = "".join(
                json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records
            )
            atomic_write(target, body)
            warnings.warn(
                f"progress file {target} had {len(bad)} unreadable line(s) (first: line {bad[0]}); "
                f"moved it to {aside.name} and started a new file with its {len(records)} "
                "readable record(s)",
                stacklevel=2,
            )
    frame = _frame(records)
    if lesson is not None:
        frame = frame[frame["lesson"] == lesson].reset_index(drop=True)
    return frame


def _files(paths: Any) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.jsonl") if q.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no progress file or folder at {str(p)!r}")
    return out


def gather_progress(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> pd.DataFrame:
    """Many students' progress files in one table (for the instructor).

    The files are only read: an unreadable line is skipped with a warning naming
    the file and the line, and the file is left as it is.

    Parameters
    ----------
    paths : path-like or iterable of path-likes
        Progress files, or folders searched recursively for ``*.jsonl`` files
        (e.g. the class's home directories, or a folder of collected files).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROGRESS_COLUMNS` plus ``source`` (the file), sorted by
        student and time.

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    """
    import pandas as pd

    frames = []
    for file in _files(paths):
        records, bad = _parse_lines(file.read_text(encoding="utf-8", errors="replace"))
        if bad:
            warnings.warn(
                f"{file}: skipped {len(bad)} unreadable line(s) (first: line {bad[0]})",
                stacklevel=2,
            )
        frames.append(_frame(records).assign(source=str(file)))
    if not frames:
        return _frame([]).assign(source=pd.Series(dtype=str)).iloc[0:0]
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["student", "time"], kind="stable").reset_index(drop=True)


def score_table(attempts: pd.DataFrame) -> pd.DataFrame:
    """One row per student and lesson: how far each got, from an attempts table.

    Parameters
    ----------
    attempts : pandas.DataFrame
        From :func:`progress` or :func:`gather_progress`.

    Returns
    -------
    pandas.DataFrame
        Columns ``student, lesson, answered`` (questions tried), ``questions``
        (questions in the lesson's quiz bank; <NA> for a lesson without one),
        ``correct`` (answered right at some attempt), ``first_try`` (right at the
        first attempt), ``score`` (sum over questions of the best score, each
        question worth 1), ``out_of`` (the most ``score`` can be: ``questions``)
        and ``attempts``.
    """
    import pandas as pd

    columns = [
        "student",
        "lesson",
        "answered",
        "questions",
        "correct",
        "first_try",
        "score",
        "out_of",
        "attempts",
    ]
    if attempts.empty:
        return pd.DataFrame(columns=columns)
    ordered = attempts.sort_values("time", kind="stable")
    per_q = ordered.groupby(["student", "lesson", "question"], sort=True).agg(
        correct=("correct", "max"),
        first_try=("correct", "first"),
        score=("score", "max"),
        attempts=("score", "size"),
    )
    table = per_q.groupby(level=["student", "lesson"]).agg(
        answered=("score", "size"),
        correct=("correct", "sum"),
        first_try=("first_try", "sum"),
        score=("score", "sum"),
        attempts=("attempts", "sum"),
    )
    table = table.reset_index()
    sizes = {lesson: _bank_size(str(lesson)) for lesson in table["lesson"].unique()}
    table["questions"] = pd.array([sizes[x] for x in table["lesson"]], dtype="Int64")
    table["out_of"] = table["questions"].astype("Float64")
    return table[columns]


def _bank_size(lesson: str) -> int | None:
    """Questions in ``lesson``'s quiz bank, or None when it has none."""
    from funnelsim.quiz.bank import load_quiz

    try:
        return len(load_quiz(lesson))
    except (FileNotFoundError, ValueError, KeyError):
        return None
