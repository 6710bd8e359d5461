"""Logging and file-writing helpers shared by the Snakemake entry scripts."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence


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
