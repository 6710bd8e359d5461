"""Per-sample QC: metrics from tool reports, verdicts, DE exclusion; checked on the demo."""

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, copy_workflow, snakemake
from exocargo import qc

TRUTH = REPO / "resources" / "demo" / "truth"

# A real STAR 2.7.10b Log.final.out and featureCounts 2.0.3 summary (3,000 simulated
# read pairs of resources/demo/simulate_longrna.py on its synthetic genome).
STAR_LOG = """\
                                 Started job on |\tNov 22 06:09:57
                             Started mapping on |\tNov 22 06:09:57
                                    Finished on |\tNov 22 06:09:57
       Mapping speed, Million of reads per hour |\tinf

                          Number of input reads |\t3000
                      Average input read length |\t120
                                    UNIQUE READS:
                   Uniquely mapped reads number |\t2834
                        Uniquely mapped reads % |\t94.47%
                          Average mapped length |\t119.13
                       Number of splices: Total |\t1199
                             MULTI-MAPPING READS:
        Number of reads mapped to multiple loci |\t6
             % of reads mapped to multiple loci |\t0.20%
        Number of reads mapped to too many loci |\t0
             % of reads mapped to too many loci |\t0.00%
                                  UNMAPPED READS:
  Number of reads unmapped: too many mismatches |\t0
       % of reads unmapped: too many mismatches |\t0.00%
            Number of reads unmapped: too short |\t160
                 % of reads unmapped: too short |\t5.33%
                Number of reads unmapped: other |\t0
                     % of reads unmapped: other |\t0.00%
                                  CHIMERIC READS:
                       Number of chimeric reads |\t211
                            % of chimeric reads |\t7.03%
"""
FEATURECOUNTS_SUMMARY = (
    "Status\tresults/star/L01/Aligned.sortedByCoord.out.bam\n"
    "Assigned\t2834\nUnassigned_Unmapped\t0\nUnassigned_MultiMapping\t12\n"
    "Unassigned_NoFeatures\t154\nUnassigned_Ambiguity\t0\n"
)
UMI_LOG = """\
# UMI-tools version: 1.1.6
2026-11-22 06:00:00,000 INFO Input Reads: 1000
2026-11-22 06:00:00,000 INFO regex does not match read1: 120
2026-11-22 06:00:00,000 INFO regex matches read1: 880
2026-11-22 06:00:00,000 INFO Reads output: 880
"""


def cutadapt_report(raw=1000, kept=900, too_short=80, too_long=20, dimers=50, with_adapter=990):
    """The parts of a cutadapt 5 JSON report that QC reads."""
    return {
        "tag": "Cutadapt report",
        "read_counts": {
            "input": raw,
            "filtered": {"too_short": too_short, "too_long": too_long},
            "output": kept,
            "read1_with_adapter": with_adapter,
        },
        "adapters_read1": [
            {"three_prime_end": {"adjacent_bases": {"A": 500, "C": 440, "": dimers}}}
        ],
    }


def biotype_table(**reads):
    rows = [(name, n, n) for name, n in reads.items()]
    return pd.DataFrame(rows, columns=["biotype", "sequences", "reads"])


FAIL = {"min_annotated_reads": 1000, "min_annotated_genome_ratio": 0.5, "min_mirna_pct": 5,
        "max_rrna_pct": 80, "max_adapter_dimer_pct": None, "min_assigned_reads": 1000,
        "min_unique_mapped_pct": 30, "min_assigned_pct": 10}
WARN = {"min_annotated_reads": 2000, "min_annotated_genome_ratio": None, "min_mirna_pct": 10,
        "max_rrna_pct": 50, "max_adapter_dimer_pct": 30, "min_assigned_reads": 5000,
        "min_unique_mapped_pct": 50, "min_assigned_pct": 30}


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def test_cutadapt_metrics_and_adapter_dimers():
    metrics = qc.cutadapt_metrics(cutadapt_report())
    assert metrics["raw_reads"] == 1000
    assert metrics["trimmed_reads"] == 900
    assert metrics["adapter_pct"] == pytest.approx(99.0)
    # the adapter found at the read's first base: an empty insert
    assert metrics["adapter_dimer_reads"] == 50
    assert metrics["adapter_dimer_pct"] == pytest.approx(5.0)
    assert metrics["too_short_pct"] == pytest.approx(8.0)
    assert metrics["too_long_pct"] == pytest.approx(2.0)
    assert math.isnan(metrics["umi_unmatched_pct"])


def test_umi_protocol_counts_reads_before_extraction():
    assert qc.umi_extract_counts(UMI_LOG) == (1000, 880)
    metrics = qc.cutadapt_metrics(cutadapt_report(raw=880, kept=800), raw_reads=1000)
    assert metrics["raw_reads"] == 1000
    assert metrics["umi_unmatched_pct"] == pytest.approx(12.0)
    assert metrics["trimmed_pct"] == pytest.approx(80.0)
    with pytest.raises(ValueError, match="Input Reads"):
        qc.umi_extract_counts("nothing here")


def test_read_lengths_from_collapsed_fasta(tmp_path):
    fasta = tmp_path / "collapsed.fa"
    fasta.write_text(">s1_x5\n" + "A" * 22 + "\n>s2_x3\n" + "C" * 22 + "\n>s3_x2\n" + "G" * 30 + "\n")
    lengths = qc.read_lengths(fasta)
    assert lengths.to_dict() == {22: 8, 30: 2}
    assert qc.length_summary(lengths) == {"length_mode": 22, "length_median": 22}


def test_biotypes_without_genome_step_skip_the_ratio():
    table = biotype_table(rRNA=100, miRNA=700, tRNA=100, YRNA=50, unmapped=50)
    summary = pd.DataFrame({"category": ["mature", "hairpin_other"], "reads": [690, 10]})
    metrics = qc.biotype_metrics(table, summary, genome_step="genome", rrna_step="rRNA")
    assert metrics["cascade_reads"] == 1000
    assert metrics["annotated_reads"] == 950  # rRNA counts as annotated, as in exceRpt
    assert math.isnan(metrics["annotated_genome_ratio"])
    assert math.isnan(metrics["genome_reads"])
    assert metrics["mirna_pct"] == pytest.approx(70.0)
    assert metrics["rrna_pct"] == pytest.approx(10.0)
    assert metrics["mature_mirna_reads"] == 690
    assert metrics["reads_YRNA"] == 50


def test_biotypes_with_genome_step_give_exceRpt_ratio():
    table = biotype_table(rRNA=100, miRNA=300, genome=600, unmapped=0)
    metrics = qc.biotype_metrics(table, None, genome_step="genome", rrna_step="rRNA")
    assert metrics["annotated_reads"] == 400
    assert metrics["genome_reads"] == 1000  # annotated reads lie on the genome too
    assert metrics["annotated_genome_ratio"] == pytest.approx(0.4)
    verdict, reasons = qc.judge(metrics, "small", {"min_annotated_genome_ratio": 0.5}, {})
    assert verdict == "fail"
    assert reasons == ["annotated/genome ratio 0.4 < 0.5 (fail)"]


def test_long_rna_metrics_from_real_star_and_featurecounts_reports(tmp_path):
    summary = tmp_path / "L01.tsv.summary"
    summary.write_text(FEATURECOUNTS_SUMMARY)
    bsj = tmp_path / "L01.bsj.tsv"
    pd.DataFrame({"circ_id": ["a", "b"], "bsj": [3, 4]}).to_csv(bsj, sep="\t", index=False)
    metrics = qc.long_sample_metrics(
        cutadapt_report(raw=3000, kept=3000, too_short=0, too_long=None, dimers=0,
                        with_adapter=75),
        STAR_LOG, summary, {"strandedness": "reverse", "declared": "", "inferred": "reverse"},
        bsj,
    )
    assert metrics["star_input_reads"] == 3000
    assert metrics["unique_mapped_pct"] == pytest.approx(94.47)
    assert metrics["multi_mapped_pct"] == pytest.approx(0.20)
    assert metrics["unmapped_pct"] == pytest.approx(5.33)
    assert metrics["chimeric_pct"] == pytest.approx(7.03)
    assert metrics["assigned_reads"] == 2834
    assert metrics["assigned_pct"] == pytest.approx(100 * 2834 / 3000)
    assert metrics["strandedness"] == metrics["strandedness_inferred"] == "reverse"
    assert metrics["bsj_reads"] == 7
    assert math.isnan(metrics["too_long_pct"])
    assert qc.judge(metrics, "long", FAIL, WARN) == (
        "warn", ["reads assigned to genes 2,834 < 5,000 (warn)"]
    )
    # The record infer_strandedness.py writes for an ambiguous library: counted unstranded.
    ambiguous = {"strandedness": "none", "declared": "", "inferred": "ambiguous"}
    metrics = qc.long_sample_metrics(cutadapt_report(), STAR_LOG, summary, ambiguous, bsj)
    assert metrics["strandedness"] == "none"
    assert "strandedness could not be inferred, counted unstranded (warn)" in qc.judge(
        metrics, "long", FAIL, WARN)[1]
    declared = {"strandedness": "forward", "declared": "forward", "inferred": "reverse"}
    metrics = qc.long_sample_metrics(cutadapt_report(), STAR_LOG, summary, declared, bsj)
    assert "sheet strandedness forward, data say reverse (warn)" in qc.judge(
        metrics, "long", FAIL, WARN)[1]
    agreed = {"strandedness": "reverse", "declared": "reverse", "inferred": "reverse"}
    metrics = qc.long_sample_metrics(cutadapt_report(), STAR_LOG, summary, agreed, bsj)
    assert not any("strandedness" in r for r in qc.judge(metrics, "long", FAIL, WARN)[1])


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------


def small_metrics(**overrides):
    metrics = {"annotated_reads": 50_000, "annotated_genome_ratio": math.nan,
               "mirna_pct": 65.0, "rrna_pct": 15.0, "adapter_dimer_pct": 2.0}
    metrics.update(overrides)
    return metrics


def test_empty_library_fails_without_crashing(tmp_path):
    fasta = tmp_path / "collapsed.fa"
    fasta.write_text("")
    lengths = qc.read_lengths(fasta)
    metrics = qc.small_sample_metrics(
        cutadapt_report(raw=1000, kept=0, too_short=1000, too_long=0, dimers=1000),
        {"reads": 0, "molecules": 0, "distinct_sequences": 0},
        lengths,
        biotype_table(rRNA=0, miRNA=0, unmapped=0),
        pd.DataFrame({"category": ["mature", "hairpin_other"], "reads": [0, 0]}),
    )
    assert math.isnan(metrics["length_mode"]) and math.isnan(metrics["complexity"])
    assert math.isnan(metrics["mirna_pct"])
    verdict, reasons = qc.judge(metrics, "small", FAIL, WARN)
    assert verdict == "fail"
    assert reasons[0] == "reads on annotated RNA 0 < 1,000 (fail)"


def test_good_sample_passes():
    assert qc.judge(small_metrics(), "small", FAIL, WARN) == ("pass", [])


def test_rrna_dominated_sample_fails_with_reasons():
    # enough annotated reads for exceRpt, but nearly all of them rRNA
    verdict, reasons = qc.judge(
        small_metrics(mirna_pct=4.2, rrna_pct=88.4), "small", FAIL, WARN
    )
    assert verdict == "fail"
    assert reasons == [
        "miRNA share of cascade reads 4.2% < 5.0% (fail)",
        "rRNA share of cascade reads 88.4% > 80.0% (fail)",
    ]


def test_dimer_dominated_sample_fails_on_annotated_reads():
    verdict, reasons = qc.judge(
        small_metrics(annotated_reads=480, adapter_dimer_pct=85.0), "small", FAIL, WARN
    )
    assert verdict == "fail"
    assert reasons == [
        "reads on annotated RNA 480 < 1,000 (fail)",
        "adapter dimers among raw reads 85.0% > 30.0% (warn)",
    ]


def test_warnings_and_disabled_thresholds():
    verdict, reasons = qc.judge(small_metrics(mirna_pct=8.0), "small", FAIL, WARN)
    assert (verdict, reasons) == ("warn", ["miRNA share of cascade reads 8.0% < 10.0% (warn)"])
    # null thresholds switch a criterion off; long-RNA criteria never apply to small ones
    assert qc.judge(small_metrics(mirna_pct=8.0), "small", {}, {}) == ("pass", [])
    assert qc.judge(small_metrics(), "small", {"min_assigned_reads": 10**9}, {})[0] == "pass"


def test_qc_table_marks_failed_samples_for_exclusion():
    metrics = {
        "good": {**small_metrics(), "reads_rRNA": 10, "reads_miRNA": 80, "raw_reads": 100},
        "poor": {**small_metrics(rrna_pct=90.0), "reads_rRNA": 90, "reads_miRNA": 2,
                 "raw_reads": 100},
    }
    libraries = {"good": "small", "poor": "small"}
    table = qc.qc_table(metrics, libraries, FAIL, WARN, exclude_failed=True)
    assert list(table.columns[:5]) == qc.LEADING_COLUMNS
    assert list(table["verdict"]) == ["pass", "fail"]
    assert list(table["excluded_from_de"]) == ["no", "yes"]
    # cascade columns keep the cascade order
    assert [c for c in table.columns if c.startswith("reads_")] == ["reads_rRNA", "reads_miRNA"]
    kept = qc.qc_table(metrics, libraries, FAIL, WARN, exclude_failed=False)
    assert list(kept["excluded_from_de"]) == ["no", "no"]


def test_samples_for_de_leaves_out_failed_and_guards_replicates():
    qc_rows = pd.DataFrame({
        "sample": ["a1", "a2", "a3", "b1", "b2"],
        "excluded_from_de": ["no", "no", "yes", "no", "no"],
        "reasons": ["", "", "rRNA share of cascade reads 90.0% > 80.0% (fail)", "", ""],
    })
    sheet = pd.DataFrame({"group": ["a", "a", "a", "b", "b"]},
                         index=["a1", "a2", "a3", "b1", "b2"])
    kept, excluded = qc.samples_for_de(qc_rows, sheet, "group", ["a", "b"], "a_vs_b")
    assert kept == ["a1", "a2", "b1", "b2"]
    assert excluded == {"a3": "rRNA share of cascade reads 90.0% > 80.0% (fail)"}
    qc_rows.loc[qc_rows["sample"] == "b2", "excluded_from_de"] = "yes"
    with pytest.raises(ValueError, match="level 'b' of 'group' keeps 1 sample.*exclude_failed"):
        qc.samples_for_de(qc_rows, sheet, "group", ["a", "b"], "a_vs_b")


def test_composition_accounts_for_every_raw_read():
    metrics = {"s": {**qc.cutadapt_metrics(cutadapt_report()), "cascade_reads": 900,
                     "trimmed_reads": 900, "reads_rRNA": 100, "reads_miRNA": 700,
                     "reads_unmapped": 100}}
    table = qc.qc_table(metrics, {"s": "small"}, FAIL, WARN, True)
    parts = qc.composition(table).set_index("category")["reads"]
    assert parts.to_dict() == {"adapter dimer": 50, "too short": 30, "too long": 20,
                               "rRNA": 100, "miRNA": 700, "unmapped": 100}
    assert parts.sum() == 1000


def test_mixed_table_keeps_both_layouts_and_long_composition():
    long_metrics = {**qc.cutadapt_metrics(cutadapt_report(raw=1000, kept=950, too_long=None)),
                    **qc.star_metrics(STAR_LOG), "star_input_reads": 950,
                    "assigned_reads": 800, "strandedness": "reverse", "bsj_reads": 3}
    metrics = {"s": small_metrics(raw_reads=100, reads_miRNA=90, reads_unmapped=10),
               "l": long_metrics}
    table = qc.qc_table(metrics, {"s": "small", "l": "long"}, FAIL, WARN, True)
    assert {"annotated_genome_ratio", "mirna_pct", "unique_mapped_pct", "bsj_reads"} <= set(
        table.columns)
    parts = qc.composition(table)
    long = parts[parts["sample"] == "l"].set_index("category")["reads"]
    assert list(long.index) == ["removed by trimming", "assigned to genes", "unique, no gene",
                                "multi-mapped", "unmapped"]
    assert long["removed by trimming"] == 50 and long["assigned to genes"] == 800
    assert abs(long.sum() - 1000) <= 2  # STAR's percentages are rounded


def test_skipped_criteria_are_named():
    notes = qc.skipped_criteria(["small"], ["rRNA", "miRNA", "tRNA"], "genome", "rRNA")
    assert len(notes) == 1 and "no genome step" in notes[0]
    assert qc.skipped_criteria(["long"], [], "genome", "rRNA") == []


# --------------------------------------------------------------------------------------------
# The demo run
# --------------------------------------------------------------------------------------------


def demo_table(demo_run):
    return qc.read_qc_table(demo_run / "results/qc/samples.tsv").set_index("sample")


@pytest.mark.workflow
def test_demo_qc_matches_truth(demo_run):
    """Reads per biotype within 2% of the reads the generator drew per origin."""
    table = demo_table(demo_run)
    truth = pd.read_csv(TRUTH / "biotype_counts.tsv", sep="\t", index_col="sample")
    small = table[table["library"] == "small"]
    assert list(small.index) == list(truth.index)
    assert (small["raw_reads"] == truth["total"]).all()
    # an adapter dimer is a read whose adapter starts at its first base
    assert (small["adapter_dimer_reads"] == truth["adapter_dimer"]).all()
    too_short = small["too_short_pct"] * small["raw_reads"] / 100
    expected = truth["too_short"] + truth["adapter_dimer"]
    assert np.allclose(too_short, expected, rtol=0.01), (too_short - expected).to_dict()
    for biotype in ("miRNA", "rRNA", "tRNA", "YRNA"):
        observed = small[f"reads_{biotype}"]
        error = (observed - truth[biotype]).abs() / truth[biotype]
        assert (error <= 0.02).all(), f"{biotype}: {error.round(4).to_dict()}"
    # unmapped reads are the junk inserts plus reads with too many errors to align
    unmapped = small["reads_unmapped"] - truth["junk"]
    assert ((unmapped >= 0) & (unmapped <= 0.005 * truth["total"])).all(), unmapped.to_dict()
    assert small["annotated_genome_ratio"].isna().all()  # the demo cascade has no genome step
    assert ((small["length_mode"] >= 21) & (small["length_mode"] <= 23)).all()
    assert (table["verdict"] == "pass").all(), table[["verdict", "reasons"]]
    assert (table["excluded_from_de"] == "no").all()


LONG_TRUTH = REPO / "resources" / "demo" / "longrna" / "truth"


@pytest.mark.workflow
def test_demo_long_rna_qc_matches_truth(demo_run):
    """Read pairs exact, back-splice fragments within 5%, reverse-stranded libraries."""
    table = demo_table(demo_run)
    long = table[table["library"] == "long"]
    sizes = pd.read_csv(LONG_TRUTH / "library_sizes.tsv", sep="\t", index_col="sample")
    assert list(long.index) == list(sizes.index)
    assert (long["raw_reads"] == sizes.loc[long.index, "pairs"]).all()
    assert (long["star_input_reads"] <= long["raw_reads"]).all()
    assert (long["unique_mapped_pct"] > 80).all()
    assert (long["strandedness"] == "reverse").all()
    bsj = pd.read_csv(LONG_TRUTH / "circrna_bsj.tsv", sep="\t", index_col="circ_id")
    planted = bsj[long.index].sum()
    error = (long["bsj_reads"] - planted).abs() / planted
    assert (error <= 0.05).all(), error.round(4).to_dict()
    assert (long["assigned_reads"] <= long["star_input_reads"]).all()


@pytest.mark.workflow
def test_demo_multiqc_has_every_tool_and_the_qc_table(demo_run):
    report = demo_run / "results/multiqc/multiqc_report.html"
    data = demo_run / "results/multiqc/multiqc_report_data"
    assert report.stat().st_size > 100_000
    table = demo_table(demo_run)
    small = list(table.index[table["library"] == "small"])
    long = list(table.index[table["library"] == "long"])
    cutadapt = pd.read_csv(data / "multiqc_cutadapt.txt", sep="\t")
    assert sorted(cutadapt["Sample"]) == sorted(small + long)
    bowtie = pd.read_csv(data / "multiqc_bowtie1.txt", sep="\t")
    assert sorted(bowtie["Sample"]) == sorted(
        f"{s}.{step}" for s in small for step in ("rRNA", "miRNA", "tRNA", "YRNA")
    )
    custom = pd.read_csv(data / "multiqc_exocargo_qc_table.txt", sep="\t")
    assert sorted(custom["Sample"]) == sorted(small + long)
    if long:
        for tool in ("star", "featurecounts", "samtools_stats"):
            found = pd.read_csv(data / f"multiqc_{tool}.txt", sep="\t")
            assert sorted(found["Sample"]) == sorted(long), tool
    html = report.read_text()
    assert "exocargo sample QC" in html and "exocargo read composition" in html


# --------------------------------------------------------------------------------------------
# Deliberately poor libraries
# --------------------------------------------------------------------------------------------

POOR = {
    # 85% adapter dimers: too few reads left for the annotated-RNA criterion
    "S13_dimers": ({"adapter_dimer": 0.85, "rRNA": 0.03, "tRNA": 0.02, "YRNA": 0.01,
                    "junk": 0.01, "too_short": 0.02}, 40_000, "resistant\tmetastatic\tB1"),
    # 85% rRNA: plenty of annotated reads (exceRpt would pass it), hardly any miRNA
    "S14_rrna": ({"rRNA": 0.85, "tRNA": 0.03, "YRNA": 0.02, "junk": 0.02,
                  "adapter_dimer": 0.02, "too_short": 0.02}, 50_000, "sensitive\tlocalized\tB2"),
}


def seed_small_rna_outputs(demo_run: Path, workdir: Path, samples: list[str]) -> None:
    """Copy the demo run's small-RNA references and per-sample outputs of ``samples`` into
    ``workdir``, with their logs, times and Snakemake's records of them, so that a run there
    finds them up to date and does only the rest."""
    def wanted(relative: Path) -> bool:
        if relative.parts[1] in ("mirbase_arms", "prepare_cascade_reference", "bowtie_index"):
            return True  # their logs and benchmarks
        if relative.parts[:3] == ("results", "references", "smallrna") or relative == Path(
            "results/references/mirbase_arms.tsv"
        ):
            return True
        return any(part == sample or part.startswith(f"{sample}.") for sample in samples
                   for part in relative.parts[1:])

    for top in ("results", "logs", "benchmarks"):
        for source in (demo_run / top).rglob("*"):
            relative = source.relative_to(demo_run)
            if source.is_file() and wanted(relative):
                (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, workdir / relative)
    shutil.copytree(demo_run / ".snakemake" / "metadata", workdir / ".snakemake" / "metadata")


@pytest.fixture(scope="module")
def poor_run(tmp_path_factory, demo_run):
    """The demo's small-RNA libraries plus two deliberately poor libraries; the demo config
    has qc.exclude_failed: true. The demo libraries' own jobs are not run again: their
    outputs come from the demo run (seed_small_rna_outputs)."""
    import simulate_smallrna

    workdir = copy_workflow(tmp_path_factory.mktemp("poor"))
    sheet = workdir / "config" / "samples.tsv"
    # small-RNA libraries only: the long-RNA path has nothing to do with these failures
    lines = [line for line in sheet.read_text().rstrip("\n").split("\n")
             if "\tlong\t" not in line]
    seed_small_rna_outputs(demo_run, workdir, [line.split("\t")[0] for line in lines[1:]])
    header = lines[0].split("\t")
    for seed, (sample, (composition, n_reads, conditions)) in enumerate(POOR.items(), 1):
        fastq = workdir / "resources" / "demo" / "smallrna" / f"{sample}.fastq.gz"
        simulate_smallrna.simulate_sample(n_reads, composition, seed=seed).write_fastq(fastq)
        row = dict(zip(["resistance", "metastasis", "batch"], conditions.split("\t")))
        row.update(sample=sample, library="small",
                   fastq_1=f"resources/demo/smallrna/{sample}.fastq.gz")
        lines.append("\t".join(row.get(column, "") for column in header))
    sheet.write_text("\n".join(lines) + "\n")
    config = (workdir / "config" / "config.yaml").read_text()
    assert "exclude_failed: true" in config
    planned = snakemake(workdir, "--cores", "2", "--dry-run", "--quiet", "rules").stdout
    assert "quantify_smallrna 2" in " ".join(planned.split()), planned  # the poor ones only
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.mark.workflow
def test_poor_libraries_fail_with_reasons(poor_run):
    table = qc.read_qc_table(poor_run / "results/qc/samples.tsv").set_index("sample")
    assert table.loc["S13_dimers", "verdict"] == "fail"
    assert "reads on annotated RNA" in table.loc["S13_dimers", "reasons"]
    assert "adapter dimers among raw reads" in table.loc["S13_dimers", "reasons"]
    assert table.loc["S14_rrna", "verdict"] == "fail"
    assert "rRNA share of cascade reads" in table.loc["S14_rrna", "reasons"]
    assert "miRNA share of cascade reads" in table.loc["S14_rrna", "reasons"]
    assert table.loc[list(POOR), "excluded_from_de"].eq("yes").all()
    assert table.drop(index=list(POOR))["verdict"].eq("pass").all()


@pytest.mark.workflow
@pytest.mark.parametrize("contrast", ["resistant_vs_sensitive", "metastatic_vs_localized"])
def test_poor_libraries_are_left_out_of_de(poor_run, contrast):
    log = (poor_run / f"logs/diffexp/{contrast}.mirna.log").read_text()
    for sample in POOR:
        assert f"{sample} left out of {contrast} (QC fail):" in log
    assert "on 12 samples" in log  # the design line of exocargo.diffexp.run_deseq2
    html = (poor_run / "results/report.html").read_text()
    assert "Left out after QC" in html and "S13_dimers" in html and "S14_rrna" in html
