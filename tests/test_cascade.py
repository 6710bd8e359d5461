"""The bowtie cascade: first hit wins, counts carried through, same output for any threads."""

import random
import shutil
import subprocess
from collections import Counter

import pytest

from exocargo import cascade, collapse

pytestmark = pytest.mark.skipif(
    not (shutil.which("bowtie") and shutil.which("samtools")), reason="needs bowtie and samtools"
)


def random_sequence(rng, length):
    return "".join(rng.choice("ACGT") for _ in range(length))


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Three small references with bowtie indexes: rRNA, hairpins (miRNA), tRNA."""
    rng = random.Random(7)
    root = tmp_path_factory.mktemp("references")
    sequences = {}
    steps = []
    for name, mismatches, count in (("rRNA", 1, 3), ("miRNA", 2, 20), ("tRNA", 1, 5)):
        records = {f"{name}-{i}": random_sequence(rng, 150) for i in range(count)}
        sequences[name] = records
        fasta = root / f"{name}.fa"
        fasta.write_text("".join(f">{n}\n{s}\n" for n, s in records.items()))
        prefix = root / name
        subprocess.run(["bowtie-build", "--seed", "1", str(fasta), str(prefix)], check=True,
                       capture_output=True)
        steps.append(cascade.Step(name, str(prefix), mismatches))
    return steps, sequences


def library(sequences, rng):
    """Reads from every reference (some with a mismatch) and random junk, as a Counter."""
    counts = Counter()
    for records in sequences.values():
        for reference in records.values():
            for _ in range(300):
                start, length = rng.randrange(0, 120), rng.randrange(18, 30)
                read = list(reference[start : start + length])
                if rng.random() < 0.3:
                    position = rng.randrange(length)
                    read[position] = rng.choice("ACGT".replace(read[position], ""))
                counts["".join(read)] += rng.randrange(1, 20)
    for _ in range(3000):
        counts[random_sequence(rng, 28)] += 1
    return counts


def test_cascade_is_the_same_whatever_the_threads(references, tmp_path):
    steps, sequences = references
    counts = library(sequences, random.Random(11))
    collapsed = tmp_path / "collapsed.fa"
    collapse.write_fasta(counts, collapsed)
    outputs = {}
    for threads in (1, 2):
        work = tmp_path / f"threads{threads}"
        bam = work / "hairpin.bam"
        logs = [str(work / f"{step.name}.log") for step in steps]
        work.mkdir()
        table, unaligned = cascade.run_cascade(
            steps, str(collapsed), str(work / "tmp"), str(bam), threads, bowtie_logs=logs,
            totals=(len(counts), sum(counts.values())),
        )
        outputs[threads] = (table, open(unaligned).read(), bam.read_bytes(),
                            [open(p).read() for p in logs])
    assert outputs[1] == outputs[2]
    table = outputs[1][0]
    assert [row[0] for row in table] == ["rRNA", "miRNA", "tRNA", "unmapped"]
    assert sum(row[1] for row in table) == len(counts)
    assert sum(row[2] for row in table) == sum(counts.values())
    assert all(row[1] > 0 for row in table)
    # the unaligned reads are in collapsed order, and junk is among them
    names = outputs[1][1].splitlines()[0::2]
    ranks = [collapse.rank(name[1:]) for name in names]
    assert ranks == sorted(ranks) and len(ranks) == table[-1][1]


def test_restore_order_sorts_by_rank_and_counts(tmp_path):
    path = tmp_path / "un.fa"
    path.write_text(">s3_x1\nAAAA\n>s1_x5\nCCCC\n>s2_x2\nGGGG\n")
    assert cascade.restore_order(path) == (3, 8)
    assert path.read_text() == ">s1_x5\nCCCC\n>s2_x2\nGGGG\n>s3_x1\nAAAA\n"
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    assert cascade.restore_order(empty) == (0, 0)
