"""Merging the read files of a library sequenced on several units (lanes, runs).

A sample's units are merged into one gzip file per mate before trimming, so that every
later step sees one library. gzip files are copied byte for byte: a concatenation of gzip
members is itself a valid gzip file (RFC 1952, section 2.2) that every reader of the
pipeline (cutadapt through xopen, umi_tools, dnaio, Python's gzip) reads to its end, so
compressed units are neither decompressed to disk nor recompressed, and bgzip units work
the same way. A plain FASTQ unit is compressed on the way, as a member of its own, which
handles sheets that mix plain and gzip units with one output format.

The gzip units are still decompressed once in memory, without writing the result: it is
how a truncated or corrupt unit is found here, where its name is known (trimming a merged
file would only say that the merged file is broken), and how a unit whose last line has
no newline is seen (its last read and the next unit's first would otherwise run into one
line); such a unit gets a newline appended as a gzip member of one byte.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence

from exocargo.io import atomic_output, is_gzip

try:  # ISA-L (a dependency of cutadapt's xopen) decompresses about three times faster
    from isal import isal_zlib as inflate
except ImportError:  # pragma: no cover - the python conda environment has no isal
    inflate = zlib

log = logging.getLogger(__name__)

CHUNK = 1 << 20
GZIP_WBITS = 16 + zlib.MAX_WBITS


class UnitFileError(ValueError):
    """A unit's read file that cannot be merged; the message names it and what to do."""


@dataclass(frozen=True)
class MergedUnit:
    """What merging one unit's file wrote: its path, its format and its lines."""

    path: str
    compressed: bool
    lines: int  # lines of FASTQ text (4 per read), a newline added at the end included


def merge_fastqs(
    sources: Sequence[str | Path], destination: str | Path
) -> list[MergedUnit]:
    """Concatenate read files (plain or gzip, in any mix) into one gzip file, in order.

    Raises UnitFileError naming the unit when a gzip unit is truncated or corrupt. The
    destination appears only complete (exocargo.io.atomic_output).
    """
    merged = []
    with atomic_output(destination) as path, open(path, "wb") as out:
        for source in map(Path, sources):
            compressed = is_gzip(source)
            copy = _copy_gzip if compressed else _compress_plain
            lines, last = copy(source, out)
            if last not in (b"", b"\n"):
                _write_member(out, b"\n")
                lines += 1
            merged.append(MergedUnit(str(source), compressed, lines))
            kind = "gzip" if compressed else "plain"
            log.info("%s: %s, %d lines (%d reads)", source, kind, lines, lines // 4)
    return merged


def _copy_gzip(source: Path, out: BinaryIO) -> tuple[int, bytes]:
    """Copy a gzip file's bytes to ``out``; return its decompressed line count and last
    byte (b"" when it holds no data). Zero bytes padding the end of a member are skipped,
    as gzip itself skips them."""
    decompressor = inflate.decompressobj(GZIP_WBITS)
    lines, last, between_members = 0, b"", False
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            out.write(chunk)
            while chunk:
                if between_members:
                    chunk = chunk.lstrip(b"\x00")
                    if not chunk:
                        break
                    decompressor, between_members = inflate.decompressobj(GZIP_WBITS), False
                try:
                    data = decompressor.decompress(chunk)
                except inflate.error as error:
                    raise UnitFileError(
                        f"{source}: the gzip stream is corrupt ({error}); the file was "
                        "damaged when it was written or copied: copy or download it again"
                    ) from error
                if data:
                    lines += data.count(b"\n")
                    last = data[-1:]
                chunk = b""
                if decompressor.eof:
                    chunk, between_members = decompressor.unused_data, True
    if not between_members:
        raise UnitFileError(
            f"{source}: the file ends inside its gzip stream (it was cut short when it was "
            "written or copied): copy or download it again"
        )
    return lines, last


def _compress_plain(source: Path, out: BinaryIO) -> tuple[int, bytes]:
    """Append a plain file to ``out`` as one gzip member (no name or time in its header,
    so the same input gives the same bytes); return its line count and last byte."""
    lines, last = 0, b""
    with open(source, "rb") as handle, _member(out) as member:
        while chunk := handle.read(CHUNK):
            member.write(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines, last


def _member(out: BinaryIO) -> gzip.GzipFile:
    # Level 1: the merged file only lives until trimming has read it.
    return gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=1, mtime=0)


def _write_member(out: BinaryIO, data: bytes) -> None:
    with _member(out) as member:
        member.write(data)
