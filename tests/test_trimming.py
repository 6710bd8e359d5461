"""Adapter presets, checked by running the real cutadapt and umi_tools on built reads."""

import gzip
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exocargo import collapse, trimming

BIN = Path(sys.executable).parent
INSERTS = [
    "TGAGGTAGTAGGTTGTATAGTT",  # let-7a-5p
    "AGCTACATCTGGCTACTGGGT",  # miR-222-3p
    "AATGGATTTTTGGAGCAGG",  # miR-1246
    "TAGCTTATCAGACTGATGTTGA",  # miR-21-5p
]


def tool(name):
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name)


def write_fastq(path, reads):
    with gzip.open(path, "wt") as handle:
        for i, read in enumerate(reads):
            handle.write(f"@r{i}\n{read}\n+\n{'I' * len(read)}\n")


def run_cutadapt(tmp_path, protocol, reads, adapter=""):
    source = tmp_path / "in.fastq.gz"
    write_fastq(source, reads)
    out = tmp_path / "out.fastq.gz"
    args = trimming.cutadapt_arguments(protocol, adapter)
    subprocess.run(
        [tool("cutadapt"), *args, "-o", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    return out


def random_tail(rng, n):
    return "".join(rng.choice("ACGT") for _ in range(n))


def test_truseq_preset_recovers_inserts(tmp_path):
    rng = random.Random(1)
    reads = [(i + trimming.TRUSEQ_SMALL_RNA + random_tail(rng, 30))[:50] for i in INSERTS]
    reads.append(trimming.TRUSEQ_SMALL_RNA + random_tail(rng, 29))  # adapter dimer
    counts, total = collapse.count_sequences(run_cutadapt(tmp_path, "truseq", reads))
    assert total == 4
    assert set(counts) == set(INSERTS)


def test_nextflex_preset_removes_both_random_ends(tmp_path):
    rng = random.Random(2)
    reads = [
        (random_tail(rng, 4) + i + random_tail(rng, 4) + trimming.TRUSEQ_SMALL_RNA)[:60]
        for i in INSERTS
    ]
    counts, _ = collapse.count_sequences(run_cutadapt(tmp_path, "nextflex", reads))
    assert set(counts) == set(INSERTS)


def test_custom_adapter_needs_a_sequence():
    with pytest.raises(ValueError, match="trimming.adapter is empty"):
        trimming.cutadapt_arguments("custom", "")
    assert "-a" in trimming.cutadapt_arguments("custom", "ACGTACGTAC")


def test_length_window_is_checked():
    with pytest.raises(ValueError, match=r"min_length \(30\) is larger"):
        trimming.cutadapt_arguments("truseq", min_length=30, max_length=20)


def test_length_window_filters_reads(tmp_path):
    rng = random.Random(3)
    short = "ACGTACGTACGTAC"  # 14 nt: below the 17-nt default minimum
    reads = [(short + trimming.TRUSEQ_SMALL_RNA + random_tail(rng, 20))[:50]]
    reads += [(INSERTS[0] + trimming.TRUSEQ_SMALL_RNA)[:50]]
    counts, total = collapse.count_sequences(run_cutadapt(tmp_path, "truseq", reads))
    assert dict(counts) == {INSERTS[0]: 1}


def test_qiaseq_umis_count_molecules_not_reads(tmp_path):
    """Three PCR copies of one molecule and one distinct molecule: 2 molecules, 4 reads."""
    adapter = trimming.PRESETS["qiaseq"].umi_adapter
    umi_a, umi_b = "ACGTACGTACGT", "TTTTGGGGCCCC"
    layout = "{}" + adapter + "{}" + "AGATCGGAAGAGCACACGTCT"
    reads = [layout.format(INSERTS[0], umi_a)] * 3 + [layout.format(INSERTS[0], umi_b)]
    reads.append(layout.format(INSERTS[1], umi_a))
    raw = tmp_path / "raw.fastq.gz"
    write_fastq(raw, reads)
    extracted = tmp_path / "umi.fastq.gz"
    subprocess.run(
        [
            tool("umi_tools"),
            "extract",
            "--extract-method=regex",
            f"--bc-pattern={trimming.umi_regex('qiaseq')}",
            "--stdin",
            str(raw),
            "--stdout",
            str(extracted),
        ],
        check=True,
        capture_output=True,
    )
    trimmed = tmp_path / "trimmed.fastq.gz"
    subprocess.run(
        [tool("cutadapt"), *trimming.cutadapt_arguments("qiaseq"), "-o", str(trimmed),
         str(extracted)],
        check=True,
        capture_output=True,
    )
    molecules, reads_read = collapse.count_sequences(trimmed, umi=True)
    assert reads_read == 5
    assert molecules[INSERTS[0]] == 2
    assert molecules[INSERTS[1]] == 1
    assert trimming.uses_umi("qiaseq") and not trimming.uses_umi("truseq")
