"""The streaming bowtie cascade: first hit wins, no hang, same output for any threads."""

import dataclasses
import random
import shutil
import signal
import subprocess
from collections import Counter
from types import SimpleNamespace

import pytest

from exocargo import cascade, collapse, smallrna

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


@pytest.fixture(autouse=True)
def no_hang():
    """A cascade that deadlocks fails the test instead of hanging it."""
    signal.alarm(120)
    yield
    signal.alarm(0)


def run(steps, sequences, workdir, threads):
    """Feed sequences (in this order: ids 0, 1, ...) to a streaming cascade; finish it."""
    with cascade.StreamingCascade(steps, workdir, threads) as aligner:
        for first in range(0, len(sequences), 500):
            batch = sequences[first : first + 500]
            aligner.write(
                b"".join(b">%d\n%s\n" % (first + i, s.encode()) for i, s in enumerate(batch))
            )
        return aligner.finish()


def test_cascade_is_the_same_whatever_the_threads(references, tmp_path):
    steps, sequences = references
    counts = library(sequences, random.Random(11))
    ranks = ranks_of(counts)
    names = [f"s{rank}_x{counts[s]}" for s, rank in zip(counts, ranks)]
    outputs = {}
    for threads in (1, 2):
        runs = run(steps, list(counts), tmp_path / f"threads{threads}", threads)
        remaining = set(range(len(counts)))
        tables = []
        for step_run in runs:
            aligned = cascade.aligned_ids(step_run)
            assert aligned <= remaining, "a read aligned by two steps"
            remaining -= aligned
            tables.append((step_run.step.name, sorted(aligned)))
        header, records = cascade.hairpin_records(runs[1], ranks, list(counts.values()))
        logs = [step_run.log.read_text() for step_run in runs]
        outputs[threads] = (tables, sorted(remaining), header, records, logs)
    assert outputs[1] == outputs[2]
    tables, unaligned, header, records, _ = outputs[1]
    assert [name for name, _ in tables] == ["rRNA", "miRNA", "tRNA"]
    assert all(ids for _, ids in tables) and unaligned  # junk stays unaligned
    assert sum(len(ids) for _, ids in tables) + len(unaligned) == len(counts)
    # hairpin records: every read the miRNA step aligned and no other, in rank order, renamed
    read_names = [lines[0].split(b"\t", 1)[0].decode() for lines in records]
    assert sorted(read_names, key=collapse.rank) == read_names
    assert set(read_names) == {names[i] for i in tables[1][1]}
    assert not any(int(line.split(b"\t")[1]) & 4 for lines in records for line in lines)
    assert not any(line.startswith(b"@PG") for line in header)


def ranks_of(counts):
    rank = {s: r for r, (s, _) in enumerate(collapse.ordered(counts), start=1)}
    return [rank[s] for s in counts]


def test_a_step_that_aligns_everything_ends_the_next_ones(references, tmp_path):
    steps, sequences = references
    rrna = next(iter(sequences["rRNA"].values()))
    reads = [rrna[i : i + 22] for i in range(0, 100)]
    runs = run(steps, reads, tmp_path, 2)
    assert len(cascade.aligned_ids(runs[0])) == len(reads)
    assert all(not cascade.aligned_ids(r) for r in runs[1:])
    assert "reads processed: 0" in runs[2].log.read_text()


def test_no_reads_at_all(references, tmp_path):
    steps, _ = references
    runs = run(steps, [], tmp_path, 1)
    assert [cascade.aligned_ids(r) for r in runs] == [set(), set(), set()]
    header, records = cascade.hairpin_records(runs[1], [], [])
    assert records == [] and any(line.startswith(b"@SQ") for line in header)


def test_a_failing_step_stops_the_cascade(references, tmp_path):
    steps, sequences = references
    broken = [steps[0], cascade.Step("miRNA", str(tmp_path / "missing"), 2), steps[2]]
    reads = [s[i : i + 22] for s in sequences["tRNA"].values() for i in range(0, 120, 3)]
    with pytest.raises(RuntimeError, match="cascade step miRNA failed"):
        run(broken, reads * 20, tmp_path / "work", 1)


def test_an_error_outside_the_cascade_stops_it_and_goes_on_unchanged(references, tmp_path):
    """E.g. cutadapt failing while the steps wait for reads: the steps are killed, and the
    caller's error (with its diagnosis of the read file) is what the job reports."""
    steps, sequences = references
    with pytest.raises(ValueError, match="broken read file"):
        with cascade.StreamingCascade(steps, tmp_path, threads=1) as aligner:
            aligner.write(b">0\nACGTACGTACGTACGTACGTAC\n")
            processes = list(aligner._processes)
            raise ValueError("broken read file")
    assert all(process.returncode is not None for process in processes)


def test_ranking_orders_by_count_then_sequence_and_gives_each_id_its_rank():
    ranking = smallrna.Ranking.of(Counter({"CCA": 1, "GGA": 3, "AAC": 3}))
    assert ranking.sequences == ["CCA", "GGA", "AAC"] and ranking.molecules == [1, 3, 3]
    assert ranking.order == [2, 1, 0]  # AAC and GGA (3 each, by sequence), then CCA
    assert ranking.ranks == [3, 2, 1]


def test_sample_files_are_the_rules_outputs_by_name():
    names = [field.name for field in dataclasses.fields(smallrna.SampleFiles)]
    output = SimpleNamespace(**{name: f"out/{name}" for name in names})
    output.bowtie_logs = ("out/rRNA.log", "out/miRNA.log")  # a named list in Snakemake
    files = smallrna.SampleFiles.from_rule(output)
    assert files.bam == "out/bam" and files.counts == "out/counts"
    assert files.bowtie_logs == ["out/rRNA.log", "out/miRNA.log"]
