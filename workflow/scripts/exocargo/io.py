"""Logging, file-reading and file-writing helpers shared by the Snakemake entry scripts."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import gzip
import json
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Sequence


def run_logged(main: Callable, snakemake) -> None:
    """Run ``main(snakemake)`` with logging to the rule's log file.

    An exception is written to the log with its traceback and re-raised, so the job fails
    and Snakemake removes its outputs.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    handlers = [logging.FileHandler(log_path, mode="w")] if log_path else []
    handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    try:
        main(snakemake)
    except Exception:
        logging.getLogger(main.__module__).exception("job failed")
        raise


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, stable_name: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    A job killed or failing half-way leaves no file under the final name. The temporary
    name carries the process id, unless ``stable_name``: for files whose content records
    their own path (cutadapt's JSON report holds its command line), so that reruns write
    the same bytes.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    suffix = "" if stable_name else f"-{os.getpid()}"
    temporary = final.with_name(f".{final.name}.tmp{suffix}")
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str | os.PathLike) -> bool:
    """Whether a file is gzip-compressed (bgzip too), by its first two bytes."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: str | os.PathLike) -> IO[str]:
    """Open a file to read as text, decompressing it when it is gzip or bgzip.

    Compression is told by the file's first bytes, not by its name: a reference named
    ``.gz`` that was decompressed in place, or a gzip file without the suffix, reads as
    what it is. gzip reads every member of a multi-member file (bgzip writes one member per
    64 kB block).
    """
    return gzip.open(path, "rt") if is_gzip(path) else open(path)


def open_binary(path: str | os.PathLike) -> IO[bytes]:
    """`open_text` for bytes: the file's content, decompressed when it is gzip or bgzip."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_yaml(path: str | os.PathLike) -> Any:
    """Parse a YAML file with PyYAML's safe loader, in C where PyYAML has libyaml (the
    schemas read at parse time load ten times faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def write_tsv(path: str | os.PathLike, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write a tab-separated table atomically, formatted as pandas' ``to_csv(sep="\\t",
    index=False)`` would write it, for jobs that need not import pandas to write one."""
    with atomic_output(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def widen_pipe(pipe) -> None:
    """Give a pipe 1 MB of buffer (Linux), so that writer and reader switch less often.

    The default 64 kB makes cutadapt and the collapser, or the collapser and the first
    bowtie step, hand over every few hundred reads. Where the size cannot be changed the
    pipe simply stays as it is.
    """
    try:
        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:
        pass


@dataclass(frozen=True)
class ForkedResult:
    """What a `ForkedCall` returned, and its process's wall, CPU and peak memory."""

    result: str
    start: float
    wall_s: float
    cpu_s: float
    max_rss_mb: float


class ForkedCall:
    """Run ``function()`` (returning a string) in a forked process, alongside this one.

    For work that needs this process's data but not its results: the child sees the data
    as it was when the call started, without copying or pickling it. ``wait()`` returns
    the result, or raises with the child's traceback if it failed. Used as a context
    manager, the child is always waited for, also when the enclosed block fails, so that
    it is never left running and its outputs are never half-written (it writes them with
    `atomic_output`, which cleans up when it fails).
    """

    def __init__(self, function: Callable[[], str]):
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        for handler in logging.getLogger().handlers:
            handler.flush()
        read, write = os.pipe()
        self.start = time.time()
        self._clock = time.perf_counter()
        self._result: ForkedResult | None = None
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read)
            code = 0
            try:
                message = {"result": function()}
            except BaseException:
                message = {"error": traceback.format_exc()}
                code = 1
            try:
                with os.fdopen(write, "w") as pipe:
                    json.dump(message, pipe)
                for handler in logging.getLogger().handlers:
                    handler.flush()
            finally:
                os._exit(code)
        os.close(write)
        self._pipe = os.fdopen(read)

    def wait(self) -> ForkedResult:
        """Wait for the child; return its result, or raise if it failed."""
        if self._result is not None:
            return self._result
        text = self._pipe.read()
        self._pipe.close()
        _, status, usage = os.wait4(self.pid, 0)
        wall = time.perf_counter() - self._clock
        code = os.waitstatus_to_exitcode(status)
        message = json.loads(text) if text else {}
        if code != 0 or "result" not in message:
            raise RuntimeError(
                f"a forked process failed (exit {code}):\n"
                + message.get("error", "it ended without a word (killed?)")
            )
        self._result = ForkedResult(
            message["result"], self.start, wall, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
        )
        return self._result

    def __enter__(self) -> "ForkedCall":
        return self

    def __exit__(self, kind, error, traceback_) -> None:
        if kind is None:
            self.wait()
            return
        # This process failed: let the child finish (or fail) first, then raise this
        # process's own error, which caused whatever followed.
        with contextlib.suppress(Exception):
            self.wait()
