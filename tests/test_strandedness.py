"""Strandedness from STAR's per-gene counts: thresholds on hand-made tables, and the real
STAR GeneCounts of simulated reverse- and forward-stranded libraries."""

import numpy as np
import pandas as pd
import pytest

import simulate_longrna as sim
from exocargo import strandedness
from test_circrna import STAR_AVAILABLE, star_align, star_index

SUMMARY = (
    "N_unmapped\t10\t10\t10\nN_multimapping\t2\t2\t2\n"
    "N_noFeature\t5\t900\t40\nN_ambiguous\t1\t0\t0\n"
)


def reads_per_gene(tmp_path, rows, name="ReadsPerGene.out.tab"):
    path = tmp_path / name
    body = "".join(f"G{i}\t{f + r}\t{f}\t{r}\n" for i, (f, r) in enumerate(rows))
    path.write_text(SUMMARY + body)
    return path


@pytest.mark.parametrize(
    "rows, call",
    [
        ([(10, 900), (5, 300)], "reverse"),
        ([(900, 10), (300, 5)], "forward"),
        ([(500, 480), (260, 270)], "none"),
        ([(300, 700)], "ambiguous"),  # 70% reverse: neither stranded nor unstranded
        ([(10, 300)], "ambiguous"),  # too few reads to tell
        ([(0, 0)], "ambiguous"),
    ],
)
def test_calls_and_fractions(tmp_path, rows, call):
    got = strandedness.infer_strandedness(reads_per_gene(tmp_path, rows))
    assert got.call == call
    forward = sum(f for f, _ in rows)
    reverse = sum(r for _, r in rows)
    assert got.assigned == forward + reverse
    if forward + reverse:
        assert got.forward_fraction == pytest.approx(forward / (forward + reverse))
        assert got.forward_fraction + got.reverse_fraction == pytest.approx(1)
    else:
        assert np.isnan(got.forward_fraction)
    assert set(got.as_dict()) == {
        "strandedness",
        "forward_fraction",
        "reverse_fraction",
        "assigned",
    }


def test_thresholds_are_inclusive():
    assert strandedness.classify_fractions(100, 400).call == "reverse"  # exactly 0.8
    assert strandedness.classify_fractions(101, 399).call == "ambiguous"
    assert strandedness.classify_fractions(400, 600).call == "none"  # exactly 0.4
    assert strandedness.classify_fractions(399, 601).call == "ambiguous"
    assert strandedness.classify_fractions(100, 400, min_assigned=501).call == "ambiguous"


def test_summary_rows_are_not_genes(tmp_path):
    genes, summary = strandedness.read_reads_per_gene(reads_per_gene(tmp_path, [(1, 2)]))
    assert genes.index.tolist() == ["G0"]
    assert summary.loc["N_noFeature", "forward"] == 900
    assert list(genes.columns) == ["unstranded", "forward", "reverse"]
    frame = pd.DataFrame({"forward": [5, 5], "reverse": [600, 400]}, index=["a", "b"])
    assert strandedness.infer_strandedness(frame).call == "reverse"


def test_malformed_tables_are_named(tmp_path):
    bad = tmp_path / "three.tab"
    bad.write_text("G1\t1\t2\n")
    with pytest.raises(ValueError, match="three.tab: expected 4 tab-separated columns"):
        strandedness.read_reads_per_gene(bad)
    text = tmp_path / "text.tab"
    text.write_text("G1\t1\tx\t2\n")
    with pytest.raises(ValueError, match="text.tab: non-integer count"):
        strandedness.read_reads_per_gene(text)


def test_featurecounts_values_and_resolution():
    assert [strandedness.featurecounts_strand(c) for c in strandedness.CALLS] == [2, 1, 0, 0]
    with pytest.raises(ValueError, match="strandedness must be one of"):
        strandedness.featurecounts_strand("yes")
    assert strandedness.STAR_GENECOUNTS_COLUMN["reverse"] == 4
    inferred = strandedness.classify_fractions(10, 990)
    assert strandedness.resolve_strandedness("", inferred) == "reverse"
    assert strandedness.resolve_strandedness("none", inferred) == "none"
    unclear = strandedness.classify_fractions(300, 700)
    assert strandedness.resolve_strandedness("", unclear) == "none"
    with pytest.raises(ValueError, match="declared strandedness"):
        strandedness.resolve_strandedness("ambiguous", inferred)


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_star_gene_counts_of_the_demo_libraries(tmp_path):
    reverse = sim.simulate_cohort(tmp_path / "reverse", seed=21, n_samples=1, pairs=2500)
    forward = sim.simulate_cohort(
        tmp_path / "forward", seed=21, n_samples=1, pairs=2500, flip_strand=True
    )
    index = star_index(tmp_path / "reverse", tmp_path / "index")
    calls = {}
    for label, run in (("reverse", reverse), ("forward", forward)):
        (sample,) = run["samples"]
        reads = run["outdir"] / "reads"
        out = star_align(
            index,
            reads / f"{sample}_R1.fastq.gz",
            reads / f"{sample}_R2.fastq.gz",
            tmp_path / "star" / label,
        )
        calls[label] = strandedness.infer_strandedness(out / "ReadsPerGene.out.tab")
    assert calls["reverse"].call == "reverse" and calls["reverse"].reverse_fraction > 0.95
    assert calls["forward"].call == "forward" and calls["forward"].forward_fraction > 0.95
    assert calls["reverse"].assigned > 2000
