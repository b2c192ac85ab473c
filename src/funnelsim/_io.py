"""Atomic file writes: a reader sees the old file or the complete new one, never a part.

Every file funnelsim writes (CLI outputs, reports, saved scenarios, chart files)
goes through :func:`atomic_write` or, for a set of files that belong together
(``funnelsim simulate ... -o DIR``), :func:`atomic_write_set`. A Ctrl-C, a full
disk or an exception half-way through a write leaves the target as it was.

The method is the documented POSIX practice (``rename(2)`` is atomic within one
file system; the same recipe as ``atomicwrites``, ``safer`` and git's lock
files):

1. write to a temporary file *in the target's directory* (same file system, so
   the rename cannot turn into a copy);
2. flush and ``fsync`` it, so the data is on disk before the name points at it;
3. ``os.replace`` it onto the target (atomic, also on Windows for one file);
4. ``fsync`` the directory (POSIX), so the rename itself survives a crash.

Own code rather than a library: the maintained packages either wrap only a text
stream (``atomicwrites`` is archived) or do not offer the set-of-files variant; the
recipe is twenty lines of the standard library.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

__all__ = ["Writer", "atomic_write", "atomic_write_set"]

#: What to write: text (UTF-8 unless ``encoding`` says otherwise), bytes, or a
#: function that writes the file at the path it is given (e.g.
#: ``lambda p: frame.to_csv(p, index=False)``).
Writer = str | bytes | Callable[[Path], object]

_TEMP_PREFIX = ".funnelsim-"


def _umask_mode() -> int:
    """The mode ``open()`` would give a new file (0o666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be opened there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_one(temp: Path, data: Writer, encoding: str) -> None:
    """Write ``data`` to the new file ``temp`` and fsync it."""
    if isinstance(data, str | bytes):
        with temp.open("wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        return
    if not callable(data):
        raise TypeError(
            "data must be str, bytes or a function that writes a path, "
            f"got {data!r} ({type(data).__name__})"
        )
    data(temp)
    if not temp.exists():
        raise OSError(f"the writer {data!r} did not create the file it was given: {temp}")
    with temp.open("rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back for the few microseconds of the final renames.

    Only in the main thread of a POSIX process (where the signals are handled);
    a signal that arrives meanwhile is delivered right after.
    """
    usable = (
        hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    )
    if not usable:  # pragma: no cover - Windows or a worker thread
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def atomic_write(path: str | os.PathLike[str], data: Writer, *, encoding: str = "utf-8") -> Path:
    """Write one file so that readers see the old content or the complete new one.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace. Its directory must exist.
    data : str, bytes or callable
        Text (encoded with ``encoding``), bytes, or a function called with the
        temporary file's path that writes the whole file there (for writers
        that want a path, such as ``DataFrame.to_csv`` or ``to_parquet``).
    encoding : str, default "utf-8"
        The encoding of ``data`` when it is text.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        ``data`` is none of the three kinds.
    OSError
        The directory is missing or not writable, or the disk is full; the
        target is then unchanged and no temporary file is left behind.

    Notes
    -----
    A new file gets the usual mode (``0o666`` minus the umask); a replaced
    file keeps its mode. Any exception in the writer (also ``KeyboardInterrupt``)
    removes the temporary file and propagates. Method: write to a temporary
    file in the same directory, fsync, ``os.replace``, fsync the directory
    (the POSIX ``rename(2)`` guarantee).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> atomic_write(target, "hello\\n").read_text()
    'hello\\n'
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(
            f"path: the folder {str(directory)!r} of {str(target)!r} does not exist"
        )
    mode = target.stat().st_mode & 0o7777 if target.exists() else _umask_mode()
    prefix = f"{_TEMP_PREFIX}{target.name}."
    fd, name = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    os.close(fd)
    temp = Path(name)
    try:
        _write_one(temp, data, encoding)
        os.chmod(temp, mode)
        with _signals_deferred():
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(directory)
    return target


def atomic_write_set(
    directory: str | os.PathLike[str], files: Mapping[str, Writer], *, encoding: str = "utf-8"
) -> list[Path]:
    """Write several files into ``directory`` as a set: all of them, or none.

    Every file is first written completely into a temporary folder inside
    ``directory``; only when all are written and fsynced are they renamed into
    place. A failure or interruption while writing (the slow part) leaves
    ``directory`` exactly as it was.

    Parameters
    ----------
    directory : str or path-like
        Where the files go; created (with parents) if missing.
    files : mapping of str to str, bytes or callable
        File name (no folders) → what to write, as in :func:`atomic_write`.
    encoding : str, default "utf-8"
        The encoding of text values.

    Returns
    -------
    list of Path
        The files written, in the order given.

    Raises
    ------
    ValueError
        ``files`` is empty or a name contains a folder or is ``.``/``..``.
    TypeError
        A value is none of the three kinds (before anything is written).
    OSError
        As for :func:`atomic_write`; nothing is changed.

    Notes
    -----
    The renames run with SIGINT and SIGTERM held back (a Ctrl-C meanwhile is
    delivered right after), so an interruption cannot stop the set half-renamed;
    each single rename is atomic (``rename(2)``). Only a power cut during those
    microseconds can leave some files new and some old, each complete.
    """
    out = Path(directory)
    if not files:
        raise ValueError("files must name at least one file, got an empty mapping")
    for name, data in files.items():
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"files: {name!r} must be a plain file name (no folders)")
        if not isinstance(data, str | bytes) and not callable(data):
            raise TypeError(
                f"files[{name!r}] must be str, bytes or a function that writes a path, "
                f"got {type(data).__name__}"
            )
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=_TEMP_PREFIX, suffix=".tmp"))
    try:
        for name, data in files.items():
            _write_one(staging / name, data, encoding)
            target = out / name
            mode = target.stat().st_mode & 0o7777 if target.exists() else _umask_mode()
            os.chmod(staging / name, mode)
        _fsync_dir(staging)
        with _signals_deferred():
            for name in files:
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _fsync_dir(out)
    return [out / name for name in files]
