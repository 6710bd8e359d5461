"""Collapsing identical reads and the _x<count> naming convention."""

import gzip
import io
import random
from collections import Counter

import pytest

from exocargo import collapse


def test_collapse_counts_and_orders(tmp_path):
    fastq = tmp_path / "r.fastq.gz"
    sequences = ["AAAAACCCCCGGGGGTTTTT"] * 3 + ["CCCCCGGGGGTTTTTAAAAA"] * 3 + ["ACGT" * 5]
    with gzip.open(fastq, "wt") as handle:
        for i, s in enumerate(sequences):
            handle.write(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n")
    counts, reads = collapse.count_sequences(fastq)
    assert reads == 7
    out = tmp_path / "c.fa"
    collapse.write_fasta(counts, out)
    assert out.read_text().splitlines() == [
        ">s1_x3",
        "AAAAACCCCCGGGGGTTTTT",
        ">s2_x3",
        "CCCCCGGGGGTTTTTAAAAA",
        ">s3_x1",
        "ACGT" * 5,
    ]
    assert collapse.fasta_totals(out) == (3, 7)


def test_rank_order_and_ordered_sort_by_count_then_sequence():
    rng = random.Random(5)
    counts = Counter()
    for _ in range(3000):  # many ties: counts 1-4 over few distinct sequences
        counts["".join(rng.choice("ACGT") for _ in range(rng.randrange(3, 8)))] += 1
    sequences, molecules = list(counts), list(counts.values())
    order = collapse.rank_order(sequences, molecules)
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    assert [(sequences[i], molecules[i]) for i in order] == expected
    assert collapse.ordered(counts) == expected
    assert collapse.rank_order([], []) == []


def test_read_count_needs_suffix():
    assert collapse.read_count("s12_x405") == 405
    with pytest.raises(ValueError, match="no _x<count> suffix"):
        collapse.read_count("read12")


def test_umi_collapse_refuses_reads_without_umi(tmp_path):
    fastq = tmp_path / "r.fastq"
    fastq.write_text("@r1\nACGTACGTACGTACGTACG\n+\nIIIIIIIIIIIIIIIIIII\n")
    with pytest.raises(ValueError, match="has no UMI suffix"):
        collapse.count_sequences(fastq, umi=True)


def fasta_bytes(records):
    return b"".join(f">{name}\n{sequence}\n".encode() for name, sequence in records)


def test_fasta_stream_counts_like_the_fastq_collapser(tmp_path):
    sequences = ["TGAGGTAGTAGGTTGTATAGTT"] * 4 + ["TAGCTTATCAGACTGATGTTGA"] * 2 + ["ACGT" * 5]
    fastq = tmp_path / "r.fastq"
    fastq.write_text("".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(sequences)))
    stream = io.BytesIO(fasta_bytes((f"r{i} comment", s) for i, s in enumerate(sequences)))
    assert collapse.count_fasta_stream(stream) == collapse.count_sequences(fastq)
    assert collapse.count_fasta_stream(io.BytesIO(b"")) == ({}, 0)


def test_fasta_stream_counts_distinct_umis():
    records = [("r1_AAAA", "ACGTACGTACGTACGTACG"), ("r2_AAAA", "ACGTACGTACGTACGTACG"),
               ("r3_CCCC", "ACGTACGTACGTACGTACG"), ("r4_AAAA", "TTTTACGTACGTACGTACG")]
    counts, reads = collapse.count_fasta_stream(io.BytesIO(fasta_bytes(records)), umi=True)
    assert reads == 4
    assert counts == {"ACGTACGTACGTACGTACG": 2, "TTTTACGTACGTACGTACG": 1}
    with pytest.raises(ValueError, match="has no UMI suffix"):
        collapse.count_fasta_stream(io.BytesIO(fasta_bytes([("r1", "ACGT")])), umi=True)



INSERT = "TAGCTTATCAGACTGATGTTGA"
UMI = "ACGTACGTACGT"


def substituted(text, position, base):
    assert text[position] != base
    return text[:position] + base + text[position + 1 :]


@pytest.mark.parametrize(
    "pair_reads, expected",
    [
        # A molecule read 3 times, one copy with an error in the insert: one molecule, and
        # the errored insert has none.
        ({(INSERT, UMI): 2, (substituted(INSERT, 5, "A"), UMI): 1}, {INSERT: 1}),
        # ... or in the UMI.
        ({(INSERT, UMI): 2, (INSERT, substituted(UMI, 0, "T")): 1}, {INSERT: 1}),
        # Two reads one substitution apart, one read each: one molecule (as in UMI-tools).
        ({(INSERT, UMI): 1, (INSERT, substituted(UMI, 11, "A")): 1}, {INSERT: 1}),
        # Too many reads for an error of the other: two molecules (5 < 2 x 4 - 1).
        ({(INSERT, UMI): 5, (INSERT, substituted(UMI, 3, "A")): 4}, {INSERT: 2}),
        # A chain of errors (each one substitution from the one before) joins its molecule.
        (
            {
                (INSERT, UMI): 4,
                (INSERT, substituted(UMI, 2, "T")): 2,
                (INSERT, substituted(substituted(UMI, 2, "T"), 7, "C")): 1,
            },
            {INSERT: 1},
        ),
        # UMIs two substitutions apart are two molecules; so are other inserts.
        (
            {
                (INSERT, UMI): 3,
                (INSERT, substituted(substituted(UMI, 2, "T"), 7, "C")): 1,
                ("TGAGGTAGTAGGTTGTATAGTT", UMI): 1,
            },
            {INSERT: 2, "TGAGGTAGTAGGTTGTATAGTT": 1},
        ),
        # An insert that is only an errored copy disappears, whatever the order it came in.
        ({(substituted(INSERT, 0, "G"), UMI): 1, (INSERT, UMI): 3}, {INSERT: 1}),
    ],
)
def test_umi_molecules_corrects_sequencing_errors(pair_reads, expected):
    assert collapse.umi_molecules(pair_reads) == expected


def test_umi_stream_announces_only_sequences_with_molecules():
    errored = substituted(INSERT, 10, "C")
    records = [(f"r{i}_{UMI}", INSERT) for i in range(3)] + [(f"r3_{UMI}", errored)]
    records += [("r4_TTTTGGGGCCCC", "TGAGGTAGTAGGTTGTATAGTT")]
    announced = []
    counts, reads = collapse.count_fasta_stream(
        io.BytesIO(fasta_bytes(records)), umi=True,
        new_sequences=lambda first, batch: announced.extend(
            (first + i, s) for i, s in enumerate(batch)
        ),
    )
    assert reads == 5
    assert counts == {INSERT: 1, "TGAGGTAGTAGGTTGTATAGTT": 1}
    assert announced == [(0, INSERT.encode() + b"\n"), (1, b"TGAGGTAGTAGGTTGTATAGTT\n")]

@pytest.mark.parametrize(
    "text",
    [
        b"@r1\nACGT\n+\nIIII\n",  # FASTQ
        b">r1\nACGTACGT\nACGT\n>r2\nACGT\n",  # wrapped FASTA
    ],
)
def test_fasta_stream_refuses_anything_but_two_line_fasta(text):
    with pytest.raises(ValueError, match="FASTA"):
        collapse.count_fasta_stream(io.BytesIO(text), source="cutadapt output")


def test_rank_of_a_collapsed_name():
    assert collapse.rank("s12_x405") == 12
    with pytest.raises(ValueError, match="s<rank>_x<count>"):
        collapse.rank("read12")


@pytest.mark.parametrize("umi", [False, True])
def test_new_sequences_are_announced_once_in_order_of_first_appearance(umi):
    sequences = ["CCCCGGGGTTTTAAAACCCC", "AAAACCCCGGGGTTTTAAAA", "CCCCGGGGTTTTAAAACCCC",
                 "GGGGTTTTAAAACCCCGGGG", "AAAACCCCGGGGTTTTAAAA"]
    stream = io.BytesIO(fasta_bytes((f"r{i}_UMI{i}", s) for i, s in enumerate(sequences)))
    announced = {}

    def record(first_id, batch):
        for offset, sequence in enumerate(batch):
            assert first_id + offset not in announced
            announced[first_id + offset] = sequence.decode().strip()

    counts, reads = collapse.count_fasta_stream(stream, umi=umi, new_sequences=record)
    assert reads == 5
    assert list(counts) == [announced[i] for i in range(len(announced))]
    assert list(counts) == list(dict.fromkeys(sequences))


def test_new_sequences_across_read_batches():
    """A stream of several 1 MB read batches (the collapser reads the pipe in batches):
    every distinct sequence is announced once, with its id in order of first appearance,
    whether it first turns up in the first batch or a later one, once or many times."""
    import random

    chooser = random.Random(7)
    pool = ["".join(chooser.choice("ACGT") for _ in range(22)) for _ in range(3000)]
    # Later sequences of the pool become possible only as the stream goes on, so later
    # batches bring new sequences as well as repeats.
    sequences = [pool[chooser.randrange(1 + i * len(pool) // 120_000)] for i in range(120_000)]
    stream = io.BytesIO(fasta_bytes((f"read{i}", s) for i, s in enumerate(sequences)))
    assert len(stream.getvalue()) > 3 << 20
    announced, batches = [], []

    def record(first_id, batch):
        assert first_id == len(announced)
        batches.append(len(batch))
        announced.extend(sequence.decode().strip() for sequence in batch)

    counts, reads = collapse.count_fasta_stream(stream, new_sequences=record)
    assert reads == 120_000
    assert announced == list(dict.fromkeys(sequences)) == list(counts)
    assert len(batches) > 2
    assert sum(counts.values()) == reads
    assert counts == Counter(sequences)
