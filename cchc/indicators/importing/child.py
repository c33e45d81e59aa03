"""Checking a large file in a process of its own, while the importer's process writes.

A million-row import is two kinds of work: reading and checking each row (Python, one core)
and the database's work on the rows (SQLite's C code or the PostgreSQL server). Done one
after the other they add up; here a child process forked from the importer reads and checks
the file (`checking.checked`) while the parent writes the batches the child has sent, so on
two cores they overlap (docs/performance.md: the import against the database's bulk load).

As `documents/sandbox.py` does for a template: the child is forked (it has the code, the
units and the parser already, and runs nothing else), reads the file through a descriptor of
its own, is limited in memory, leaves with os._exit, and answers in plain data — JSON frames,
never a pickle: the parent runs nothing the child might have shaped from a hostile file. The
child cannot reach the database: the connections it inherited (the parent's, inside the
import's transaction) refuse every query before anything is sent on them.

Frames: 4 bytes of length, then a JSON object whose "k" says what it is — "heading", "batch",
"failed" (the file refused as a whole: its errors), "crash" (any other failure, told) and
"end". The parent reads them as `checking.Heading` and `checking.Checked` again.
"""

import contextlib
import fcntl
import json
import os
import signal
import struct
import warnings
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db import connections

from cchc.core.imports import HeadingLookup, ImportErrorItem
from cchc.core.processes import limit_address_space
from cchc.indicators.importing.checking import Checked, Heading, checked
from cchc.indicators.importing.parsing import RowParser
from cchc.indicators.importing.reading import DossierImportFailed, Rows, _text

CHILD_MEMORY = 2048 * 1024 * 1024  # address space the child may add to what it maps, bytes
PIPE_BYTES = 1024 * 1024  # the pipe holds about a batch: the child checks the next meanwhile
LENGTH = struct.Struct("!I")


class CheckingStopped(Exception):
    """The checking process stopped without finishing (killed, out of memory, a failure not
    the file's): the import fails and writes nothing of its own (all or nothing), or keeps
    the batches written before (valid rows only)."""


def _no_database(*_args: Any) -> None:
    raise RuntimeError("the checking process of an import may not use the database")


def _errors(items: list[ImportErrorItem]) -> list[list[Any]]:
    return [[item.row, item.column, item.message, item.sheet] for item in items]


def _encode(item: Heading | Checked) -> dict[str, Any]:
    if isinstance(item, Heading):
        return {"k": "heading", "c": item.cells, "h": item.headings, "i": list(item.ignored)}
    return {
        "k": "batch",
        "n": item.rows_read,
        "cd": item.codes,
        "nv": item.numbers,
        "cv": item.cells,
        "v": item.values,
        "r": [[number, cells, _errors(errors)] for number, cells, errors in item.rejected],
        "m": list(item.months),
        "p": item.mapped,
        "f": item.fraction,
    }


def _decode(frame: dict[str, Any]) -> Heading | Checked:
    if frame["k"] == "heading":
        return Heading(list(frame["c"]), dict(frame["h"]), tuple(frame["i"]))
    return Checked(
        rows_read=int(frame["n"]),
        codes=frame["cd"],
        numbers=frame["nv"],
        cells=frame["cv"],
        values=frame["v"],
        rejected=[
            (number, cells, [ImportErrorItem(*error) for error in errors])
            for number, cells, errors in frame["r"]
        ],
        months={(unit, year, month) for unit, year, month in frame["m"]},
        mapped=int(frame["p"]),
        fraction=frame["f"],
    )


def _plain_cells(cells: list[Any]) -> list[Any]:
    """A spreadsheet's cells as the text the rejected-rows file writes (CSV's already are)."""
    return cells if all(cell.__class__ is str for cell in cells) else [_text(c) for c in cells]


def _own_stream(source: IO[bytes]) -> IO[bytes]:
    """The file through a descriptor of the child's own (its own offset: the parent's stays
    where it was); a stream in memory is the child's own copy already."""
    try:
        descriptor = source.fileno()
    except (AttributeError, OSError, ValueError):
        source.seek(0)
        return source
    own = open(f"/proc/self/fd/{descriptor}", "rb")  # noqa: SIM115 (the child exits after)
    return own


def _child(
    writer: int,
    source: IO[bytes],
    size: int,
    make_rows: Callable[[IO[bytes]], Rows],
    lookup: HeadingLookup,
    parser: RowParser,
    keep_cells: bool,
) -> None:  # pragma: no cover - runs in the child: coverage does not follow it
    out = os.fdopen(writer, "wb", buffering=PIPE_BYTES)

    def send(frame: dict[str, Any]) -> None:
        data = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()
        out.write(LENGTH.pack(len(data)))
        out.write(data)
        out.flush()

    try:
        for connection in connections.all(initialized_only=True):
            connection.execute_wrappers.append(_no_database)
        limit_address_space(CHILD_MEMORY)
        own = _own_stream(source)
        for item in checked(make_rows(own), lookup, parser, own, size):
            if isinstance(item, Checked):
                # A row's cells serve only the rejected-rows file: sent when it is kept.
                item.cells = [_plain_cells(cells) for cells in item.cells] if keep_cells else []
                item.rejected = [
                    (n, _plain_cells(c) if keep_cells else [], e) for n, c, e in item.rejected
                ]
            send(_encode(item))
        send({"k": "end"})
    except DossierImportFailed as failure:
        send({"k": "failed", "e": _errors(failure.errors)})
    except MemoryError:
        send({"k": "crash", "e": "MemoryError"})
    except BaseException as error:  # noqa: BLE001 - every failure goes back as a message
        send({"k": "crash", "e": f"{type(error).__name__}: {error}"})


def _read_exactly(reader: IO[bytes], count: int) -> bytes:
    data = reader.read(count)
    if len(data) != count:
        raise CheckingStopped("the checking process stopped")
    return data


def checked_in_child(
    source: IO[bytes],
    size: int,
    make_rows: Callable[[IO[bytes]], Rows],
    lookup: HeadingLookup,
    parser: RowParser,
    *,
    keep_cells: bool = True,
) -> Iterator[Heading | Checked]:
    """What `checking.checked(make_rows(source), lookup, parser, source, size)` yields,
    checked in a child process forked for it. Raises DossierImportFailed as the file's
    reading would, CheckingStopped if the child stops; the child is killed and reaped when
    the caller stops early (its own failure) or the generator is closed. `keep_cells`: False
    when the rows' cells are not used (no rejected-rows file is kept): they are sent empty."""
    reader, writer = os.pipe()
    with contextlib.suppress(OSError):
        fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    with warnings.catch_warnings():
        # Forking a threaded process (the development server, a task worker) is safe here:
        # the child takes no lock another thread may hold (Python renews the import and
        # logging locks in a fork; openpyxl, for a workbook, may be imported in the child),
        # touches no connection, and leaves with os._exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(reader)
            _child(writer, source, size, make_rows, lookup, parser, keep_cells)
        finally:
            os._exit(0)
    os.close(writer)
    stream = os.fdopen(reader, "rb", buffering=PIPE_BYTES)
    try:
        while True:
            (length,) = LENGTH.unpack(_read_exactly(stream, LENGTH.size))
            frame = json.loads(_read_exactly(stream, length))
            kind = frame["k"]
            if kind == "end":
                return
            if kind == "failed":
                raise DossierImportFailed([ImportErrorItem(*error) for error in frame["e"]])
            if kind == "crash":
                raise CheckingStopped(str(frame["e"]))
            yield _decode(frame)
    finally:
        stream.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
