"""Diagnosis of broken read files: each message names the file, the place and the fix.

Fixtures are written by the tests: FASTQ records built from two-line templates (read ids
r1..rN, 22-nt sequences), then gzipped, cut short, renamed or emptied, so each file
carries exactly one known defect.
"""

import gzip

import pytest

from exocargo import genome, readcheck
from exocargo.genes import AnnotationError


def fastq_text(n, prefix="r", mate=""):
    return "".join(
        f"@{prefix}{i}{mate} extra\nACGTACGTACGTACGTACGTAC\n+\nIIIIIIIIIIIIIIIIIIIIII\n"
        for i in range(1, n + 1)
    )


def write_gz(path, text):
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(text.encode())
    return path


def test_valid_fastq_counts_reads(tmp_path):
    assert readcheck.check_fastq(write_gz(tmp_path / "a.fastq.gz", fastq_text(50))) == 50
    plain = tmp_path / "a.fastq"
    plain.write_text(fastq_text(3))
    assert readcheck.check_fastq(plain) == 3


@pytest.mark.parametrize("content", [b"", None])
def test_empty_fastq_is_valid(tmp_path, content):
    path = tmp_path / "empty.fastq.gz"
    if content is None:
        write_gz(path, "")
    else:
        path.write_bytes(content)
    assert readcheck.check_fastq(path) == 0
    assert readcheck.diagnose([path]) == []


def test_truncated_gzip_is_named(tmp_path):
    whole = write_gz(tmp_path / "whole.fastq.gz", fastq_text(2000)).read_bytes()
    cut = tmp_path / "cut.fastq.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    [message] = readcheck.diagnose([cut])
    assert message.startswith(f"{cut}: the gzip stream ends early")
    assert "copy or download it again" in message


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("text.fastq", b"sample\tlibrary\nS1\tsmall\n", "not a FASTQ file: it starts with b'samp'"),
        ("reads.fastq", b">r1\nACGT\n>r2\nACGT\n", "this is FASTA, not FASTQ"),
        ("reads.fastq", b"BAM\x01\x00\x00\x00\x00", "this is a BAM file, not FASTQ"),
        ("plain.fastq.gz", b"@r1\nACGT\n+\nIIII\n", "the name ends in .gz but the file is not gzip"),
        ("short.fastq", b"@r1\nACGT\n+\nIII\n", "line 4: malformed FASTQ record after 0 good reads"),
    ],
)
def test_not_fastq_is_named(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    [message] = readcheck.diagnose([path])
    assert message.startswith(str(path))
    assert expected in message


def test_mates_with_different_read_numbers(tmp_path):
    first = write_gz(tmp_path / "x_R1.fastq.gz", fastq_text(10, mate="/1"))
    second = write_gz(tmp_path / "x_R2.fastq.gz", fastq_text(9, mate="/2"))
    [message] = readcheck.diagnose([first, second])
    assert f"{first} has 10 reads but its mate file {second} has 9" in message


def test_mates_with_different_names(tmp_path):
    first = write_gz(tmp_path / "x_R1.fastq.gz", fastq_text(10, mate="/1"))
    second = write_gz(tmp_path / "x_R2.fastq.gz", fastq_text(10, prefix="q", mate="/2"))
    [message] = readcheck.diagnose([first, second])
    assert f"{first} and {second} are not mates: read 1 is 'r1/1 extra'" in message


def test_true_mates_pass(tmp_path):
    first = write_gz(tmp_path / "x_R1.fastq.gz", fastq_text(10, mate="/1"))
    second = write_gz(tmp_path / "x_R2.fastq.gz", fastq_text(10, mate="/2"))
    assert readcheck.check_pair(first, second) == 10



def test_explain_failure_names_the_broken_file_or_says_the_files_are_valid(tmp_path):
    first = write_gz(tmp_path / "x_R1.fastq.gz", fastq_text(10, mate="/1"))
    second = write_gz(tmp_path / "x_R2.fastq.gz", fastq_text(9, mate="/2"))
    message = readcheck.explain_failure("X", [first, second], "unused")
    assert message.startswith("sample X: ") and "has 10 reads but its mate file" in message
    assert "unused" not in message
    valid = readcheck.explain_failure("X", [first], "the tool failed for another reason")
    assert valid == (
        f"sample X: the read files ({first}) read as valid FASTQ; "
        "the tool failed for another reason"
    )

GENOME = ">chr1 first\nACGTACGT\nACGT\n>chr2\nAAAA\n"


def test_chrom_sizes(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(GENOME)
    sizes = genome.chrom_sizes(path)
    assert sizes.values.tolist() == [["chr1", 12], ["chr2", 4]]


@pytest.mark.parametrize(
    "text, expected",
    [
        (GENOME + ">chr1\nCCCC\n", "line 6: duplicate sequence name 'chr1' (first on line 1)"),
        (">chr1\n>chr2\nACGT\n", "sequence 'chr1' is empty"),
        ("ACGT\n>chr1\nACGT\n", "line 1: sequence before the first '>' header"),
        ("", "no FASTA records"),
    ],
)
def test_bad_genome_is_refused(tmp_path, text, expected):
    path = tmp_path / "genome.fa"
    path.write_text(text)
    with pytest.raises(AnnotationError) as error:
        genome.chrom_sizes(path)
    assert str(error.value).startswith(str(path))
    assert expected in str(error.value)


def test_gtf_on_other_chromosome_names_is_refused():
    import pandas as pd

    genes = pd.DataFrame({"gene_id": ["g1", "g2"], "chrom": ["1", "2"]})
    sizes = pd.DataFrame({"chrom": ["chr1", "chr2"], "length": [10, 10]})
    with pytest.raises(AnnotationError, match="none of the 2 genes of a.gtf lies on a sequence"):
        genome.unplaced_genes(genes, sizes, "a.gtf", "g.fa")
    genes.loc[0, "chrom"] = "chr1"
    assert genome.unplaced_genes(genes, sizes, "a.gtf", "g.fa") == ["g2"]
