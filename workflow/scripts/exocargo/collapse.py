"""Collapse identical reads so that each distinct sequence is aligned once.

Small-RNA libraries are dominated by few sequences (a handful of miRNAs and rRNA fragments
make up most reads), so collapsing cuts alignment work by one to two orders of magnitude.
The count travels in the FASTA name (``>s{rank}_x{count}``), the convention of seqcluster
and miRDeep2, so every later step can recover read numbers from the name alone.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import dnaio

NAME_COUNT = re.compile(r"_x(\d+)$")


def count_sequences(fastq: str | Path, umi: bool = False) -> tuple[Counter, int]:
    """Count reads per distinct sequence in a FASTQ file.

    With ``umi`` the UMI that umi_tools appended to the read id (``id_UMI``) is read, and
    a sequence counts the number of distinct UMIs it carries (molecules, not reads).
    Returns the counter and the number of reads read.
    """
    counts: Counter = Counter()
    reads = 0
    if umi:
        pairs: Counter = Counter()
        with dnaio.open(fastq) as records:
            for record in records:
                reads += 1
                name = record.name.split(maxsplit=1)[0]
                if "_" not in name:
                    raise ValueError(
                        f"{fastq}: read '{name}' has no UMI suffix; UMI extraction "
                        "(umi_tools extract) must run before collapsing"
                    )
                pairs[record.sequence, name.rsplit("_", 1)[1]] += 1
        counts = umi_molecules(pairs)
    else:
        with dnaio.open(fastq) as records:
            for record in records:
                reads += 1
                counts[record.sequence] += 1
    return counts, reads


def count_fasta_stream(
    stream: BinaryIO,
    umi: bool = False,
    source: str = "stream",
    new_sequences: Callable[[int, list[bytes]], None] | None = None,
) -> tuple[Counter, int]:
    """Count reads per distinct sequence in a two-line FASTA stream (cutadapt ``--fasta``).

    Reads the stream as it is written, so that collapsing runs alongside trimming instead
    of after it, and no trimmed FASTQ is compressed to disk and read back. Every record
    must be one header line and one sequence line, as cutadapt writes them. With ``umi``
    the UMI that umi_tools appended to the read id (``id_UMI``) is read and a sequence
    counts its distinct UMIs, as in `count_sequences`. ``source`` names the stream in
    error messages.

    The counter's keys are in order of first appearance. ``new_sequences(first_id,
    sequences)``, if given, is called with each batch of sequences not seen before (bytes,
    newline included) as they turn up; a sequence's id is its position in that order, so
    that work on distinct sequences (alignment) can start before counting ends. Returns
    the counter (str keys) and the number of reads read.
    """
    first = stream.readline()
    if first and not first.startswith(b">"):
        raise ValueError(f"{source}: not FASTA (first line {first[:60]!r})")
    if umi:
        return _count_umi_stream(first, stream, source, new_sequences)
    raw = _count_sequence_lines(stream, new_sequences)
    return _decode_sequence_lines(raw, source), sum(raw.values())


def _count_sequence_lines(
    stream: BinaryIO, new_sequences: Callable[[int, list[bytes]], None] | None
) -> Counter:
    """Reads per sequence line (bytes, newline included) of a two-line FASTA stream whose
    first header was read; new lines are announced to ``new_sequences`` batch by batch."""
    # Every second line is a sequence (newline included); Counter.update counts a batch of
    # them in C, and adds new keys in the order they come.
    raw: Counter = Counter()
    offset = 0  # lines read after the first header, so far
    while True:
        lines = stream.readlines(1 << 20)
        if not lines:
            break
        sequences = lines[offset % 2 :: 2]
        offset += len(lines)
        known = len(raw)
        raw.update(sequences)
        if new_sequences is not None and len(raw) > known:
            # The keys added by this batch are the dict's last ones (insertion order):
            # read them from the end, without a pass over the batch or the counter.
            fresh = list(islice(reversed(raw), len(raw) - known))
            fresh.reverse()
            new_sequences(known, fresh)
    return raw


def _decode_sequence_lines(raw: Counter, source: str) -> Counter:
    """The counter of sequence lines with str keys, newlines dropped; an error when a line
    counted as a sequence is not one."""
    # Checked and decoded all at once: every key is one line, so the joined keys hold one
    # newline per key, and a header read as a sequence starts a line with '>'.
    joined = b"".join(raw)
    if joined.count(b"\n") != len(raw) or joined.startswith(b">") or b"\n>" in joined:
        for line in raw:
            check_sequence_line(line, source)
    return Counter(dict(zip(joined.decode("ascii").split("\n"), raw.values())))


def _count_umi_stream(
    first: bytes,
    stream: BinaryIO,
    source: str,
    new_sequences: Callable[[int, list[bytes]], None] | None,
) -> tuple[Counter, int]:
    """`count_fasta_stream` with UMIs: molecules per sequence, and the reads read."""
    pairs: Counter = Counter()  # reads per (sequence line, UMI)
    reads = 0
    header = first
    for sequence in stream:
        reads += 1
        name = header[1:].split(maxsplit=1)[0] if header.startswith(b">") else b""
        if not name:
            raise ValueError(f"{source}: record {reads} is not a FASTA record: {header!r}")
        if b"_" not in name:
            raise ValueError(
                f"{source}: read '{name.decode(errors='replace')}' has no UMI suffix; "
                "UMI extraction (umi_tools extract) must run before collapsing"
            )
        pairs[sequence, name.rsplit(b"_", 1)[1]] += 1
        header = stream.readline()
    # Sequencing errors are corrected once every read is in, so the sequences that have
    # molecules are announced at the end, not as they come.
    for line, _ in pairs:
        check_sequence_line(line, source)
    counts = umi_molecules(
        {(line[:-1].decode("ascii"), tag.decode("ascii")): n for (line, tag), n in pairs.items()}
    )
    if new_sequences is not None and counts:
        new_sequences(0, [sequence.encode("ascii") + b"\n" for sequence in counts])
    return counts, reads


def check_sequence_line(line: bytes, source: str) -> None:
    """Refuse a line read as a sequence that is not one (the input is not two-line FASTA)."""
    if line.startswith(b">") or not line.endswith(b"\n"):
        raise ValueError(f"{source}: not two-line FASTA (a sequence line reads {line[:60]!r})")


# Letters a substitution can put in a read (N: an uncalled base).
BASES = "ACGTN"


def umi_molecules(pair_reads: dict[tuple[str, str], int]) -> Counter:
    """Molecules per sequence, from the reads of every (sequence, UMI) pair.

    PCR copies of one molecule share its insert and UMI. A copy with a sequencing error in
    either becomes a pair of its own, one substitution away from the molecule's pair, and
    counting distinct pairs would count it as a second molecule: at 0.2% errors per base
    and 3 copies per molecule that overcounts by about 15%. The errors are corrected with
    the "directional" rule of UMI-tools (Smith, Heger and Sudbery 2017, Genome Research
    27:491): pair b belongs to the molecule of pair a when they differ by one substitution
    (in the insert or in the UMI) and a has at least 2 x reads(b) - 1 reads. Pairs are
    placed by decreasing reads (ties by sequence, then UMI), each joining a neighbour
    placed before it if one qualifies, so that chains of errors join their molecule as in
    UMI-tools' network. A pair that joins none is a molecule.

    Returns the molecules of each sequence, keys in the order in which their first
    molecule's pair first appeared; a sequence all of whose pairs joined molecules of other
    sequences (an errored copy of an insert) has none and is left out.
    """
    order = sorted(pair_reads, key=lambda pair: (-pair_reads[pair], pair))
    # The pairs placed so far, by UMI and by sequence: a pair's neighbours share one of
    # the two, so only those are compared (most UMIs come with one sequence).
    sequences_of_umi: dict[str, list[str]] = {}
    umis_of_sequence: dict[str, set[str]] = {}
    founders: set[tuple[str, str]] = set()
    for pair in order:
        sequence, umi = pair
        least = 2 * pair_reads[pair] - 1  # reads of a molecule this pair can be a copy of
        same_umi = sequences_of_umi.setdefault(umi, [])
        same_sequence = umis_of_sequence.setdefault(sequence, set())
        if not (
            any(pair_reads[other, umi] >= least for other in same_umi if one_apart(other, sequence))
            or any(pair_reads[sequence, other] >= least for other in neighbours(umi, same_sequence))
        ):
            founders.add(pair)
        same_umi.append(sequence)
        same_sequence.add(umi)
    molecules: Counter = Counter()
    for sequence, umi in pair_reads:  # order of first appearance
        if (sequence, umi) in founders:
            molecules[sequence] += 1
    return molecules


def one_apart(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one substitution."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def neighbours(text: str, among: set[str]) -> Iterator[str]:
    """The members of ``among`` one substitution away from ``text``."""
    if len(among) <= len(text) * (len(BASES) - 1):
        yield from (other for other in among if one_apart(other, text))
        return
    for position, base in enumerate(text):
        for letter in BASES:
            if letter != base:
                variant = text[:position] + letter + text[position + 1 :]
                if variant in among:
                    yield variant


def ordered(counts: Counter) -> list[tuple[str, int]]:
    """Sequences and counts by decreasing count, ties by sequence: a deterministic order."""
    sequences, values = list(counts), list(counts.values())
    return [(sequences[i], values[i]) for i in rank_order(sequences, values)]


def rank_order(sequences: list[str], counts: list[int]) -> list[int]:
    """Positions in ``sequences`` by decreasing count (``counts`` holds them at the same
    positions), ties by sequence: the order of `ordered`, without building tuples."""
    # Two passes of a stable sort, both keyed in C: by sequence, then by count (reverse
    # keeps the sequence order among equal counts).
    order = sorted(range(len(sequences)), key=sequences.__getitem__)
    order.sort(key=counts.__getitem__, reverse=True)
    return order


def write_fasta(
    counts: Counter, path: str | Path, ranked: Iterable[tuple[str, int]] | None = None
) -> None:
    """Write collapsed sequences as FASTA with ``s{rank}_x{count}`` names.

    ``ranked`` holds the (sequence, count) pairs in the order of ``ordered(counts)`` when
    the caller has them already.
    """
    with open(path, "w") as handle:
        handle.writelines(
            f">{collapsed_name(rank, count)}\n{sequence}\n"
            for rank, (sequence, count) in enumerate(
                ordered(counts) if ranked is None else ranked, start=1
            )
        )


def collapsed_name(rank: int, count: int) -> str:
    """Name of a collapsed sequence: ``s{rank}_x{count}`` (read back by rank, read_count)."""
    return f"s{rank}_x{count}"


def rank(name: str) -> int:
    """Rank of a collapsed sequence (``s{rank}_x{count}``): its line in the collapsed FASTA."""
    if not name.startswith("s") or "_x" not in name:
        raise ValueError(f"collapsed read name '{name}' is not s<rank>_x<count>")
    return int(name[1 : name.index("_x")])


def read_count(name: str) -> int:
    """Number of reads a collapsed sequence stands for, from its ``_x{count}`` name."""
    match = NAME_COUNT.search(name)
    if not match:
        raise ValueError(f"collapsed read name '{name}' has no _x<count> suffix")
    return int(match.group(1))


def fasta_totals(path: str | Path) -> tuple[int, int]:
    """(distinct sequences, reads) of a collapsed FASTA file."""
    sequences = reads = 0
    with open(path) as handle:
        for line in handle:
            if line.startswith(">"):
                sequences += 1
                reads += read_count(line[1:].strip())
    return sequences, reads
