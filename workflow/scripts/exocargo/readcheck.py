"""Diagnosis of raw read files that a trimming job could not read.

cutadapt and umi_tools stop on a broken input (a file that is not FASTQ, a truncated gzip
stream, mates that are not pairs), but their messages do not name the file and do not say
what to do. The trimming rules call ``diagnose`` only when the tool has failed, so a good
run reads its FASTQ files once; the diagnosis names the file, the read or line where the
file goes wrong, and what to change.

Only the standard library, dnaio (a dependency of cutadapt) and exocargo.io (standard library
only) are used, so the check runs in the cutadapt environment.
"""

from __future__ import annotations

import zlib
from itertools import zip_longest
from pathlib import Path

import dnaio

from exocargo.io import is_gzip, open_binary

# A BAM file is BGZF (gzip) compressed; its decompressed stream starts with this.
BAM_MAGIC = b"BAM\x01"


class ReadFileError(ValueError):
    """A read file that cannot be used; the message names the file and what to change."""


def read_name(name: str) -> str:
    """Read id without comment and without a /1 or /2 mate suffix."""
    name = name.split(maxsplit=1)[0] if name.strip() else ""
    return name[:-2] if name.endswith(("/1", "/2")) else name


def check_fastq(path: str | Path) -> int:
    """Read a FASTQ file (plain or gzip) to its end; return its number of reads.

    Raises ReadFileError naming the file and the problem: missing, a .gz name on a file
    that is not gzip, a truncated or corrupt gzip stream, FASTA/BAM/other content instead of
    FASTQ, or a malformed record (with its line number). An empty file is valid (0 reads).
    """
    path = Path(path)
    if not path.is_file():
        raise ReadFileError(f"{path}: file does not exist")
    if path.stat().st_size == 0:
        return 0
    if str(path).endswith(".gz") and not is_gzip(path):
        raise ReadFileError(
            f"{path}: the name ends in .gz but the file is not gzip-compressed; compress "
            "it (gzip) or drop the .gz from its name and the sample sheet"
        )
    try:
        with open_binary(path) as handle:
            head = handle.read(4)
    except (OSError, EOFError, zlib.error) as error:
        raise ReadFileError(
            f"{path}: the gzip stream is corrupt ({error}); the file was damaged or cut "
            "short when it was copied: copy or download it again"
        ) from None
    if head.startswith(BAM_MAGIC):
        raise ReadFileError(
            f"{path}: this is a BAM file, not FASTQ; convert it (samtools fastq) and point "
            "the sample sheet at the FASTQ"
        )
    if head.startswith(b">"):
        raise ReadFileError(
            f"{path}: this is FASTA, not FASTQ (first character '>'); the pipeline needs "
            "the FASTQ files from the sequencer (qualities are used in trimming)"
        )
    if head and not head.startswith(b"@"):
        raise ReadFileError(
            f"{path}: not a FASTQ file: it starts with {head!r}, a FASTQ file starts with "
            "'@'; check the fastq_1/fastq_2 paths in the sample sheet"
        )
    reads = 0
    try:
        with open_binary(path) as raw, dnaio.open(raw, fileformat="fastq") as records:
            for _ in records:
                reads += 1
    except dnaio.FileFormatError as error:
        line = getattr(error, "line", None)
        where = f", line {line + 1}" if line is not None else ""
        # dnaio's message starts with its own "Error in FASTQ file at line N: ".
        detail = str(error).split(": ", 1)[-1]
        raise ReadFileError(
            f"{path}{where}: malformed FASTQ record after {reads} good reads "
            f"({detail}); the file is damaged or not FASTQ"
        ) from None
    except (EOFError, OSError, zlib.error) as error:
        raise ReadFileError(
            f"{path}: the gzip stream ends early or is corrupt after {reads} complete "
            f"reads ({error}); the file was cut short when it was copied: copy or "
            "download it again (gzip -t tests a file)"
        ) from None
    return reads


def check_pair(path_1: str | Path, path_2: str | Path) -> int:
    """Check that two FASTQ files are mates: same number of reads, same read names.

    Each file is checked on its own first (``check_fastq``). Names are compared without
    comments and /1, /2 suffixes. Returns the number of pairs; raises ReadFileError naming
    both files and the first read where they disagree.
    """
    reads_1 = check_fastq(path_1)
    reads_2 = check_fastq(path_2)
    if reads_1 != reads_2:
        raise ReadFileError(
            f"{path_1} has {reads_1} reads but its mate file {path_2} has {reads_2}; "
            "paired files must hold the same reads in the same order: check that fastq_1 "
            "and fastq_2 of this sample are the two files of one library"
        )
    if reads_1 == 0:
        return 0
    with dnaio.open(path_1, fileformat="fastq") as first, dnaio.open(
        path_2, fileformat="fastq"
    ) as second:
        for number, (one, two) in enumerate(zip_longest(first, second), start=1):
            if read_name(one.name) != read_name(two.name):
                raise ReadFileError(
                    f"{path_1} and {path_2} are not mates: read {number} is "
                    f"'{one.name}' in the first and '{two.name}' in the second; check "
                    "fastq_1 and fastq_2 of this sample in the sample sheet"
                )
    return reads_1


def diagnose(paths: list[str | Path]) -> list[str]:
    """Problems of the read files of one sample (one file, or the two mates of a pair)."""
    try:
        if len(paths) == 2:
            check_pair(*paths)
        else:
            for path in paths:
                check_fastq(path)
    except ReadFileError as error:
        return [str(error)]
    return []


def explain_failure(sample: str, paths: list[str | Path], otherwise: str) -> str:
    """What to say when a trimming tool failed on a sample's read files: the problem found
    in them (file, read or line, what to change), one line per problem, or, when they read
    as valid FASTQ, that the tool failed for another reason (``otherwise`` says which)."""
    problems = diagnose(paths)
    if problems:
        return "\n".join(f"sample {sample}: {problem}" for problem in problems)
    files = ", ".join(str(path) for path in paths)
    return f"sample {sample}: the read files ({files}) read as valid FASTQ; {otherwise}"
