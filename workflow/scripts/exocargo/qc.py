"""Per-sample quality control: metrics from the tools' own reports, and a verdict.

Exosomal libraries fail in ways tissue libraries rarely do: few reads, adapter dimers, and
most reads from rRNA, tRNA or Y RNA rather than miRNA. This module reads what every step
already reports (cutadapt JSON, the collapse statistics and collapsed FASTA, the cascade's
biotype table, the mature miRNA summary; for long-RNA libraries STAR's Log.final.out, the
featureCounts summary, the inferred strandedness and the back-splice table), turns it into
one row of metrics per sample, and grades each sample pass / warn / fail.

The fail criteria follow the exRNA consortium's exceRpt pipeline: at least 100,000 reads
assigned to annotated RNA, and at least half as many reads on annotated RNA as on the
genome. The small-RNA cascade here assigns each read to the first step it aligns to, so
"annotated" is the sum of every step except the configured genome step, "genome" is
annotated plus genome-only reads, and the ratio is annotated / (annotated + genome-only).
Without a genome step the ratio cannot be computed and the criterion is skipped (the
report says so). exceRpt counts rRNA as annotated, so a library that is mostly rRNA would
pass; two further criteria catch it: a minimum miRNA share and a maximum rRNA share of the
reads entering the cascade.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

import dnaio
import pandas as pd

from exocargo import collapse, tables

PASS, WARN, FAIL = "pass", "warn", "fail"
MIRNA_STEP = "miRNA"
UNMAPPED = "unmapped"


@dataclass(frozen=True)
class Criterion:
    """One QC rule: a metric column compared with a configured threshold."""

    key: str  # name under qc.fail / qc.warn in the config
    metric: str  # column of the QC table
    bound: str  # "min": the metric must be at least the threshold; "max": at most
    library: str  # "small" or "long"
    label: str  # words for the reason text
    unit: str = ""  # "%" for percentages

    def violated(self, value: float, threshold: float) -> bool:
        """Whether a (non-missing) value breaks the threshold."""
        return value < threshold if self.bound == "min" else value > threshold


CRITERIA = (
    Criterion("min_annotated_reads", "annotated_reads", "min", "small",
              "reads on annotated RNA"),
    Criterion("min_annotated_genome_ratio", "annotated_genome_ratio", "min", "small",
              "annotated/genome ratio"),
    Criterion("min_mirna_pct", "mirna_pct", "min", "small", "miRNA share of cascade reads",
              "%"),
    Criterion("max_rrna_pct", "rrna_pct", "max", "small", "rRNA share of cascade reads", "%"),
    Criterion("max_adapter_dimer_pct", "adapter_dimer_pct", "max", "small",
              "adapter dimers among raw reads", "%"),
    Criterion("min_assigned_reads", "assigned_reads", "min", "long",
              "reads assigned to genes"),
    Criterion("min_unique_mapped_pct", "unique_mapped_pct", "min", "long",
              "uniquely mapped reads", "%"),
    Criterion("min_assigned_pct", "assigned_pct", "min", "long",
              "featureCounts records assigned", "%"),
)

LEADING_COLUMNS = ["sample", "library", "verdict", "reasons", "excluded_from_de"]
# Columns of the QC table by what they measure, in table order.
TRIM_COLUMNS = ["raw_reads", "umi_unmatched_pct", "trimmed_reads", "trimmed_pct", "adapter_pct",
                "adapter_dimer_reads", "adapter_dimer_pct", "too_short_pct", "too_long_pct"]
SMALL_COLUMNS = ["length_mode", "length_median", "unique_sequences", "complexity",
                 "cascade_reads"]
SMALL_SUMMARY_COLUMNS = ["mature_mirna_reads", "annotated_reads", "genome_reads",
                         "annotated_genome_ratio", "mirna_pct", "rrna_pct"]
LONG_COLUMNS = ["star_input_reads", "unique_mapped_pct", "multi_mapped_pct", "unmapped_pct",
                "chimeric_pct", "assigned_reads", "assigned_pct", "strandedness",
                "strandedness_inferred", "bsj_reads"]
# Reads removed before the cascade, in the order the composition plot stacks them.
TRIM_FATES = ("umi_unmatched", "adapter_dimer", "too_short", "too_long")


def _pct(part: float | None, whole: float | None) -> float:
    """100 * part / whole, NaN when either is missing or whole is 0."""
    if part is None or whole is None or not whole or _missing(part):
        return math.nan
    return 100.0 * part / whole


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(record: Mapping, key: str) -> float:
    """A metric of a record, 0 when absent or missing."""
    value = record.get(key)
    return 0.0 if _missing(value) else float(value)


# --------------------------------------------------------------------------------------------
# Trimming
# --------------------------------------------------------------------------------------------


def read_cutadapt(path: str | Path) -> dict:
    """Load a cutadapt ``--json`` report."""
    with open(path) as handle:
        report = json.load(handle)
    if report.get("tag") != "Cutadapt report":
        raise ValueError(f"{path}: not a cutadapt JSON report (no 'Cutadapt report' tag)")
    return report


def adapter_dimers(report: Mapping) -> int:
    """Reads (pairs) whose read 1 starts with the 3' adapter: an empty insert.

    cutadapt records, per adapter, the base preceding each match; a match at the first
    position has no preceding base and is counted under the empty key.
    """
    dimers = 0
    for adapter in report.get("adapters_read1") or []:
        end = adapter.get("three_prime_end") or {}
        dimers += int((end.get("adjacent_bases") or {}).get("", 0))
    return dimers


def cutadapt_metrics(report: Mapping, raw_reads: int | None = None) -> dict:
    """Trimming metrics of one cutadapt report (reads, or pairs for paired-end data).

    ``raw_reads`` overrides cutadapt's input count when reads were filtered before it
    (UMI extraction drops reads without adapter and UMI). Percentages are of raw reads.
    """
    counts = report["read_counts"]
    given = int(counts["input"])
    raw = given if raw_reads is None else int(raw_reads)
    filtered = counts.get("filtered") or {}
    too_long = filtered.get("too_long")
    dimers = adapter_dimers(report)
    return {
        "raw_reads": raw,
        "umi_unmatched_pct": _pct(raw - given, raw) if raw_reads is not None else math.nan,
        "trimmed_reads": int(counts["output"]),
        "trimmed_pct": _pct(counts["output"], raw),
        "adapter_pct": _pct(counts.get("read1_with_adapter"), given),
        "adapter_dimer_reads": dimers,
        "adapter_dimer_pct": _pct(dimers, raw),
        # dimers are too short as well; the composition plot shows them apart
        "too_short_pct": _pct(filtered.get("too_short") or 0, raw),
        "too_long_pct": _pct(too_long, raw) if too_long is not None else math.nan,
    }


class UmiCounts(NamedTuple):
    """Reads in and out of ``umi_tools extract``."""

    input_reads: int
    output_reads: int


def umi_extract_counts(log_text: str) -> UmiCounts:
    """Input reads and reads output from a ``umi_tools extract`` log."""
    found = {}
    for key in ("Input Reads", "Reads output"):
        match = re.search(rf"{key}: (\d+)", log_text)
        if match is None:
            raise ValueError(f"umi_tools extract log has no '{key}:' line")
        found[key] = int(match.group(1))
    return UmiCounts(found["Input Reads"], found["Reads output"])


# --------------------------------------------------------------------------------------------
# Small-RNA libraries
# --------------------------------------------------------------------------------------------


def read_lengths(collapsed_fasta: str | Path) -> pd.Series:
    """Reads per insert length of a collapsed FASTA (``>s{rank}_x{count}`` names).

    These are the reads kept by trimming, as they enter the cascade (molecules for UMI
    protocols). Index: length in nt, sorted; name: reads.
    """
    totals: dict[int, int] = {}
    with dnaio.open(str(collapsed_fasta)) as records:
        for record in records:
            length = len(record.sequence)
            totals[length] = totals.get(length, 0) + collapse.read_count(record.name)
    series = pd.Series(totals, name="reads", dtype="int64").sort_index()
    series.index.name = "length"
    return series


def length_summary(lengths: pd.Series) -> dict:
    """Most frequent and median read length of a length distribution."""
    if lengths.empty or lengths.sum() == 0:
        return {"length_mode": math.nan, "length_median": math.nan}
    cumulative = lengths.cumsum()
    median = int(cumulative.index[cumulative >= lengths.sum() / 2][0])
    return {"length_mode": int(lengths.idxmax()), "length_median": median}


def biotype_metrics(
    biotypes: pd.DataFrame,
    mirna_summary: pd.DataFrame | None,
    genome_step: str | None,
    rrna_step: str | None,
) -> dict:
    """Reads per cascade step and the derived annotated/genome/miRNA/rRNA figures.

    ``biotypes`` is a cascade table (biotype, sequences, reads; last row 'unmapped').
    Every step but ``genome_step`` is annotated RNA. Shares are of the reads entering the
    cascade. A step name that is not in the table gives NaN (criterion skipped).
    """
    reads = dict(zip(biotypes["biotype"], biotypes["reads"].astype(int)))
    total = sum(reads.values())
    steps = [b for b in reads if b != UNMAPPED]
    has_genome = genome_step in steps
    annotated = sum(reads[b] for b in steps if b != genome_step)
    genome_only = reads[genome_step] if has_genome else math.nan
    metrics = {"cascade_reads": total}
    metrics.update({f"reads_{b}": n for b, n in reads.items()})
    mature = math.nan
    if mirna_summary is not None and not mirna_summary.empty:
        rows = mirna_summary.set_index("category")["reads"]
        mature = int(rows.get("mature", 0))
    metrics.update(
        {
            "mature_mirna_reads": mature,
            "annotated_reads": annotated,
            "genome_reads": annotated + genome_only if has_genome else math.nan,
            "annotated_genome_ratio": (
                annotated / (annotated + genome_only)
                if has_genome and annotated + genome_only > 0
                else math.nan
            ),
            "mirna_pct": _pct(reads.get(MIRNA_STEP, 0), total) if total else math.nan,
            "rrna_pct": (
                _pct(reads[rrna_step], total) if rrna_step in reads and total else math.nan
            ),
        }
    )
    return metrics


def small_sample_metrics(
    cutadapt: Mapping,
    collapse_stats: Mapping,
    lengths: pd.Series,
    biotypes: pd.DataFrame,
    mirna_summary: pd.DataFrame | None,
    genome_step: str | None = "genome",
    rrna_step: str | None = "rRNA",
    umi_counts: tuple[int, int] | None = None,
) -> dict:
    """Every QC metric of one small-RNA library (see the module docstring).

    ``umi_counts`` (`UmiCounts`, from the umi_tools log) gives the raw reads when UMIs
    were extracted before trimming."""
    raw_reads = UmiCounts(*umi_counts).input_reads if umi_counts else None
    metrics = cutadapt_metrics(cutadapt, raw_reads)
    metrics.update(length_summary(lengths))
    molecules = int(collapse_stats.get("molecules", collapse_stats["reads"]))
    distinct = int(collapse_stats["distinct_sequences"])
    metrics["unique_sequences"] = distinct
    metrics["complexity"] = distinct / molecules if molecules else math.nan
    metrics.update(biotype_metrics(biotypes, mirna_summary, genome_step, rrna_step))
    return metrics


# --------------------------------------------------------------------------------------------
# Long-RNA libraries
# --------------------------------------------------------------------------------------------


def parse_star_log(text: str) -> dict[str, str]:
    """The ``name | value`` lines of a STAR Log.final.out, keyed by the stripped name."""
    values = {}
    for line in text.splitlines():
        if "|" in line:
            name, value = line.split("|", 1)
            values[name.strip()] = value.strip()
    return values


def _star_number(values: Mapping[str, str], name: str) -> float:
    if name not in values:
        raise ValueError(f"STAR Log.final.out has no '{name}' line")
    return float(values[name].rstrip("%"))


def star_metrics(text: str) -> dict:
    """Input reads and unique / multi / unmapped / chimeric percentages from STAR's log.

    Multi-mapped includes reads mapped to too many loci; unmapped sums STAR's three
    unmapped classes (too many mismatches, too short, other).
    """
    values = parse_star_log(text)
    multi = _star_number(values, "% of reads mapped to multiple loci") + _star_number(
        values, "% of reads mapped to too many loci"
    )
    unmapped = sum(
        _star_number(values, f"% of reads unmapped: {kind}")
        for kind in ("too many mismatches", "too short", "other")
    )
    return {
        "star_input_reads": int(_star_number(values, "Number of input reads")),
        "unique_mapped_pct": _star_number(values, "Uniquely mapped reads %"),
        "multi_mapped_pct": multi,
        "unmapped_pct": unmapped,
        "chimeric_pct": _star_number(values, "% of chimeric reads")
        if "% of chimeric reads" in values
        else math.nan,
    }


def featurecounts_metrics(summary_path: str | Path) -> dict:
    """Assigned reads (fragments) and their share of all counted records."""
    table = pd.read_csv(summary_path, sep="\t", index_col=0)
    counts = table.iloc[:, 0].astype(int)
    if "Assigned" not in counts.index:
        raise ValueError(f"{summary_path}: featureCounts summary has no 'Assigned' row")
    return {
        "assigned_reads": int(counts["Assigned"]),
        "assigned_pct": _pct(counts["Assigned"], counts.sum()),
    }


def long_sample_metrics(
    cutadapt: Mapping,
    star_log: str,
    featurecounts_summary: str | Path,
    strandedness: Mapping,
    bsj_table: str | Path | None,
) -> dict:
    """Every QC metric of one long-RNA library."""
    metrics = cutadapt_metrics(cutadapt)
    metrics.update(star_metrics(star_log))
    metrics.update(featurecounts_metrics(featurecounts_summary))
    # What featureCounts and the circRNA caller used, and what the data said (the
    # record of infer_strandedness.py: strandedness, declared, inferred).
    metrics["strandedness"] = strandedness.get("strandedness", "")
    metrics["strandedness_inferred"] = strandedness.get("inferred", "")
    metrics["strandedness_declared"] = strandedness.get("declared", "")
    if bsj_table is not None:
        bsj = pd.read_csv(bsj_table, sep="\t", usecols=["bsj"])
        metrics["bsj_reads"] = int(bsj["bsj"].sum())
    return metrics


# --------------------------------------------------------------------------------------------
# Verdicts and the table
# --------------------------------------------------------------------------------------------


def _format(value: float, unit: str = "") -> str:
    if unit == "%":
        return f"{value:.1f}%"
    if float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.3g}"


def _strandedness_warnings(metrics: Mapping) -> list[str]:
    inferred = metrics.get("strandedness_inferred") or ""
    declared = metrics.get("strandedness_declared") or ""
    if inferred == "ambiguous" and not declared:
        return ["strandedness could not be inferred, counted unstranded (warn)"]
    if declared and inferred not in ("", "ambiguous") and declared != inferred:
        return [f"sheet strandedness {declared}, data say {inferred} (warn)"]
    return []


def judge(
    metrics: Mapping,
    library: str,
    fail: Mapping[str, float | None],
    warn: Mapping[str, float | None],
) -> tuple[str, list[str]]:
    """Verdict (pass/warn/fail) of one sample and the reasons, worst first.

    A criterion applies to its library type; a missing threshold (None) or a missing
    metric (e.g. no genome step, so no ratio) skips it. A long-RNA library gets a warning
    when its strandedness could not be inferred and the sheet does not give it (it is then
    counted unstranded), or when the sheet's value contradicts the data.
    """
    failures, warnings = [], []
    for criterion in CRITERIA:
        if criterion.library != library:
            continue
        value = metrics.get(criterion.metric)
        if _missing(value):
            continue
        for level, thresholds, found in ((FAIL, fail, failures), (WARN, warn, warnings)):
            threshold = thresholds.get(criterion.key)
            if threshold is not None and criterion.violated(float(value), threshold):
                sign = "<" if criterion.bound == "min" else ">"
                found.append(
                    f"{criterion.label} {_format(float(value), criterion.unit)} {sign} "
                    f"{_format(float(threshold), criterion.unit)} ({level})"
                )
                break
    if library == "long":
        warnings += _strandedness_warnings(metrics)
    if failures:
        return FAIL, failures + warnings
    if warnings:
        return WARN, warnings
    return PASS, []


def skipped_criteria(
    libraries: Iterable[str],
    cascade_steps: Iterable[str],
    genome_step: str | None,
    rrna_step: str | None,
) -> list[str]:
    """Criteria that cannot be assessed with this configuration, with the reason."""
    steps = list(cascade_steps)
    notes = []
    if "small" in set(libraries):
        if genome_step not in steps:
            notes.append(
                "annotated/genome ratio: the small-RNA cascade has no genome step "
                f"(qc.genome_step '{genome_step}' is not in smallrna.cascade), so reads "
                "on the genome outside annotated RNA are not measured"
            )
        if rrna_step not in steps:
            notes.append(
                f"rRNA share: qc.rrna_step '{rrna_step}' is not in smallrna.cascade"
            )
    return notes


def qc_table(
    metrics: Mapping[str, Mapping],
    libraries: Mapping[str, str],
    fail: Mapping[str, float | None],
    warn: Mapping[str, float | None],
    exclude_failed: bool,
) -> pd.DataFrame:
    """One row per sample (in the given order): verdict, reasons, DE exclusion, metrics.

    ``metrics`` maps sample -> metric dict, ``libraries`` sample -> small/long. The
    columns of a library type are there whenever the table has such a library (empty
    where a metric does not apply, e.g. the annotated/genome ratio without a genome step),
    so the table keeps one layout; cascade step columns keep the cascade's order.
    """
    rows = []
    for sample, values in metrics.items():
        library = libraries[sample]
        verdict, reasons = judge(values, library, fail, warn)
        rows.append(
            {
                "sample": sample,
                "library": library,
                "verdict": verdict,
                "reasons": "; ".join(reasons),
                "excluded_from_de": "yes" if exclude_failed and verdict == FAIL else "no",
                **values,
            }
        )
    table = pd.DataFrame(rows)
    step_columns = [c for c in table.columns if c.startswith("reads_")]
    present = set(libraries.values())
    order = LEADING_COLUMNS + TRIM_COLUMNS
    if "small" in present:
        order += SMALL_COLUMNS + step_columns + SMALL_SUMMARY_COLUMNS
    if "long" in present:
        order += LONG_COLUMNS
    order += [c for c in table.columns if c not in order]
    return table.reindex(columns=order)


def composition(table: pd.DataFrame) -> pd.DataFrame:
    """Where the raw reads of each sample went, as a long table.

    Columns: sample, library, category, reads, fraction (of raw reads). Small-RNA:
    removed at UMI extraction, adapter dimers, other too short, too long, UMI duplicates,
    then the cascade steps in order and 'unmapped'. Long-RNA: removed by trimming, then
    STAR's input as assigned to genes (featureCounts), unique without gene, multi-mapped
    and unmapped.
    """
    rows = []
    steps = [c for c in table.columns if c.startswith("reads_")]
    for record in table.to_dict(orient="records"):
        raw = record.get("raw_reads")
        if _missing(raw) or not raw:
            continue
        parts: list[tuple[str, float]] = []
        if record["library"] == "small":
            umi = record.get("umi_unmatched_pct")
            if not _missing(umi):
                parts.append(("removed: no UMI", raw * umi / 100))
            dimers = _number(record, "adapter_dimer_reads")
            too_short = raw * _number(record, "too_short_pct") / 100
            parts.append(("adapter dimer", dimers))
            parts.append(("too short", max(too_short - dimers, 0)))
            parts.append(("too long", raw * _number(record, "too_long_pct") / 100))
            # With UMIs the cascade counts molecules: the other reads are PCR duplicates.
            cascade = record.get("cascade_reads")
            trimmed = record.get("trimmed_reads")
            if not _missing(cascade) and not _missing(trimmed) and trimmed > cascade:
                parts.append(("UMI duplicate", trimmed - cascade))
            for column in steps:
                value = record.get(column)
                if not _missing(value):
                    parts.append((column[len("reads_"):], value))
        else:
            star_input = _number(record, "star_input_reads")
            parts.append(("removed by trimming", max(raw - star_input, 0)))
            shares = {
                label: star_input * _number(record, column) / 100
                for label, column in (("unique", "unique_mapped_pct"),
                                      ("multi", "multi_mapped_pct"),
                                      ("unmapped", "unmapped_pct"))
            }
            # featureCounts counts unique alignments only (its default), so the assigned
            # reads are a part of the uniquely mapped ones.
            assigned = min(_number(record, "assigned_reads"), shares["unique"])
            parts.append(("assigned to genes", assigned))
            parts.append(("unique, no gene", shares["unique"] - assigned))
            parts.append(("multi-mapped", shares["multi"]))
            parts.append(("unmapped", shares["unmapped"]))
        for category, reads in parts:
            rows.append(
                {
                    "sample": record["sample"],
                    "library": record["library"],
                    "category": category,
                    "reads": int(round(reads)),
                    "fraction": reads / raw,
                }
            )
    return pd.DataFrame(rows, columns=["sample", "library", "category", "reads", "fraction"])


def read_qc_table(path: str | Path) -> pd.DataFrame:
    """Read results/qc/samples.tsv (sample names and text columns as strings)."""
    return tables.read_table(path)


class TooFewSamples(ValueError):
    """A contrast level keeps fewer than two libraries once QC has left some out."""


def samples_for_de(
    qc: pd.DataFrame,
    samples: pd.DataFrame,
    variable: str,
    levels: Iterable[str],
    contrast: str = "",
) -> tuple[list[str], dict[str, str]]:
    """Samples of a DE job that QC lets through, and the left-out ones with their reasons.

    ``samples`` is the sheet indexed by sample, restricted to the job's samples. A sample
    is left out when the QC table marks it ``excluded_from_de``. Raises TooFewSamples naming
    the excluded samples when a level keeps fewer than two samples.
    """
    marked = qc.set_index("sample")
    excluded = {
        s: marked.loc[s, "reasons"] or "QC fail"
        for s in samples.index
        if s in marked.index and marked.loc[s, "excluded_from_de"] == "yes"
    }
    kept = [s for s in samples.index if s not in excluded]
    for level in levels:
        n = int((samples.loc[kept, variable] == level).sum())
        if n < 2:
            listed = "; ".join(f"{s}: {r}" for s, r in excluded.items())
            raise TooFewSamples(
                f"contrast '{contrast}': level '{level}' of '{variable}' keeps {n} sample(s) "
                f"after leaving out samples that failed QC ({listed}); at least 2 are needed. "
                "Fix or replace those libraries, or set qc.exclude_failed: false"
            )
    return kept, excluded
