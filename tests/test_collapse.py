"""Collapsing identical reads and the _x<count> naming convention."""

import gzip

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


def test_read_count_needs_suffix():
    assert collapse.read_count("s12_x405") == 405
    with pytest.raises(ValueError, match="no _x<count> suffix"):
        collapse.read_count("read12")


def test_umi_collapse_refuses_reads_without_umi(tmp_path):
    fastq = tmp_path / "r.fastq"
    fastq.write_text("@r1\nACGTACGTACGTACGTACG\n+\nIIIIIIIIIIIIIIIIIII\n")
    with pytest.raises(ValueError, match="has no UMI suffix"):
        collapse.count_sequences(fastq, umi=True)
