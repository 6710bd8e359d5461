"""Render the self-contained HTML report (results/report.html) from the run's results."""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from exocargo import qc, report, tables, versions
from exocargo.io import atomic_output, run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)

# QC table columns shown in the report (the TSV has them all), with their headings.
QC_COLUMNS = {
    "raw_reads": "raw reads",
    "trimmed_pct": "kept after trimming %",
    "adapter_pct": "adapter found %",
    "adapter_dimer_pct": "adapter dimers %",
    "too_short_pct": "too short %",
    "length_mode": "modal length (nt)",
    "complexity": "unique seq. per read",
    "annotated_reads": "reads on annotated RNA",
    "annotated_genome_ratio": "annotated / genome",
    "mirna_pct": "miRNA %",
    "rrna_pct": "rRNA %",
    "mature_mirna_reads": "mature miRNA reads",
    "unique_mapped_pct": "uniquely mapped %",
    "multi_mapped_pct": "multi-mapped %",
    "assigned_reads": "assigned reads",
    "assigned_pct": "assigned %",
    "strandedness": "strandedness",
    "bsj_reads": "BSJ reads",
}
KNOWN_CARGO_LIMIT = 200  # rows per contrast in the page; the TSV has every row


@dataclass(frozen=True)
class Run:
    """What the report's sections read: the run's settings and shared tables."""

    config: dict
    sheet: pd.DataFrame
    qc_table: pd.DataFrame
    cargo: dict  # contrast -> its cargo table
    cargo_paths: dict  # contrast -> path of its cargo table
    here: str  # the report's directory; links are relative to it

    @property
    def alpha(self) -> float:
        return self.config["diffexp"]["alpha"]

    @property
    def libraries(self) -> list[str]:
        return sorted(set(self.sheet["library"]))


@dataclass(frozen=True)
class DeJob:
    """The files of one contrast and RNA class: its DE table, volcano and MA plots."""

    contrast: str
    rna_class: str
    table: str
    volcano: str
    ma: str


def relative(path, start):
    """A link from the report's directory to a result file."""
    return os.path.relpath(path, start).replace(os.sep, "/")


def figure(key, png, here):
    """A figure for the template: ``key`` the embedded PNG, ``key_svg`` a link to its SVG."""
    return {key: report.png_data_uri(png),
            f"{key}_svg": relative(Path(png).with_suffix(".svg"), here)}


def records(table):
    """Rows of a table as dicts with NaN turned into None (the template shows a dash)."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def load_run(snakemake) -> Run:
    contrasts = snakemake.params.config["diffexp"]["contrasts"]
    paths = dict(zip(contrasts, snakemake.input.cargo))
    return Run(
        config=snakemake.params.config,
        sheet=read_sheet(snakemake.input.samples).set_index("sample", drop=False),
        qc_table=qc.read_qc_table(snakemake.input.qc_table),
        cargo={c: tables.read_cargo_table(p) for c, p in paths.items()},
        cargo_paths=paths,
        here=str(Path(snakemake.output.html).parent),
    )


def de_jobs(snakemake) -> list[DeJob]:
    inputs = snakemake.input
    return [
        DeJob(contrast, rna_class, table, volcano, ma)
        for (contrast, rna_class), table, volcano, ma in zip(
            snakemake.params.pairs, inputs.de_tables, inputs.volcanos, inputs.ma_plots
        )
    ]


def class_section(run: Run, job: DeJob, entry: dict, library: str) -> dict:
    """One RNA class of a contrast: hits, samples used and left out, volcano and MA."""
    result = tables.read_de_table(job.table)
    hits, any_significant = report.top_hits(
        result, run.cargo[job.contrast], job.rna_class, run.alpha,
        run.config["report"]["top_hits"],
    )
    used, excluded = report.contrast_samples(run.sheet, run.qc_table, entry, library)
    return {
        "skipped": skip_reason(run, job, entry, used + list(excluded)),
        "rna_class": job.rna_class,
        "summary": report.de_summary(result, run.alpha),
        "hits": records(hits),
        "any_significant": any_significant,
        "used": used,
        "excluded": excluded,
        **figure("volcano", job.volcano, run.here),
        **figure("ma", job.ma, run.here),
        "table": relative(job.table, run.here),
    }


def skip_reason(run: Run, job: DeJob, entry: dict, members: list[str]) -> str:
    """Why a contrast was not tested on a class (too few libraries passed QC), or ''."""
    try:
        qc.samples_for_de(run.qc_table, run.sheet.loc[members], entry["variable"],
                          [entry["case"], entry["control"]], job.contrast)
    except qc.TooFewSamples as error:
        return str(error)
    return ""


def contrast_section(run: Run, contrast: str, entry: dict, classes: list[dict]) -> dict:
    """One contrast: its RNA classes and the catalog claims its features match."""
    known = report.known_cargo(run.cargo[contrast])
    fitting = known["context_fits"] == "yes"
    return {
        "name": contrast,
        "entry": entry,
        "classes": classes,
        "known": records(known[fitting].head(KNOWN_CARGO_LIMIT)),
        "other_claims": records(known[~fitting].head(KNOWN_CARGO_LIMIT)),
        "known_total": len(known),
        "concordance": report.concordance_counts(known),
        "cargo_table": relative(run.cargo_paths[contrast], run.here),
    }


def de_sections(run: Run, snakemake) -> list[dict]:
    """One section per contrast, its RNA classes in the order of the DE jobs."""
    jobs = de_jobs(snakemake)
    sections = []
    for contrast, entry in run.config["diffexp"]["contrasts"].items():
        classes = [
            class_section(run, job, entry, snakemake.params.library_of_class[job.rna_class])
            for job in jobs
            if job.contrast == contrast
        ]
        sections.append(contrast_section(run, contrast, entry, classes))
    return sections


def exploration_sections(run: Run, snakemake) -> list[dict]:
    """PCA, sample distances and cargo heatmap of each RNA class."""
    inputs = snakemake.input
    return [
        {
            "rna_class": rna_class,
            **figure("pca", pca, run.here),
            **figure("distances", distances, run.here),
            **figure("cargo_heatmap", heatmap, run.here),
        }
        for rna_class, pca, distances, heatmap in zip(
            snakemake.params.rna_classes, inputs.pca, inputs.distances, inputs.cargo_heatmaps
        )
    ]


def qc_context(run: Run, snakemake) -> dict:
    """The QC section: thresholds, criteria not assessed, per-sample table and figures."""
    settings, inputs, libraries = run.config["qc"], snakemake.input, run.libraries
    return {
        "qc_rows": records(run.qc_table),
        "qc_columns": [(c, QC_COLUMNS[c]) for c in QC_COLUMNS if c in run.qc_table.columns],
        "verdicts": run.qc_table["verdict"].value_counts().to_dict(),
        "thresholds": report.threshold_rows(
            settings["fail"], settings["warn"],
            [c for c in qc.CRITERIA if c.library in libraries],
        ),
        "skipped": qc.skipped_criteria(
            libraries, snakemake.params.cascade, settings["genome_step"],
            settings["rrna_step"],
        ),
        "exclude_failed": settings["exclude_failed"],
        **figure("composition", inputs.composition, run.here),
        **figure("lengths", inputs.lengths, run.here),
        "has_small": "small" in libraries,
        "multiqc": relative(inputs.multiqc, run.here),
        "qc_tsv": relative(inputs.qc_table, run.here),
    }


def main(snakemake):
    run = load_run(snakemake)
    sections = de_sections(run, snakemake)
    context = {
        "title": "exocargo report",
        "samples": records(run.sheet.reset_index(drop=True)),
        "sheet_columns": list(run.sheet.columns),
        "config_yaml": yaml.safe_dump(run.config, sort_keys=False, default_flow_style=False),
        "versions": records(versions.read_versions(snakemake.input.versions)),
        **qc_context(run, snakemake),
        "alpha": run.alpha,
        "sections": sections,
        "detected": report.detected_summary(
            tables.read_table(snakemake.input.detected), KNOWN_CARGO_LIMIT
        ),
        "detected_table": relative(snakemake.input.detected, run.here),
        "exploration": exploration_sections(run, snakemake),
        "reviews": report.REVIEWS,
        "known_limit": KNOWN_CARGO_LIMIT,
    }
    html = report.render(snakemake.input.template, context)
    with atomic_output(snakemake.output.html) as path:
        path.write_text(html, encoding="utf-8")
    log.info("report: %d sections, %.0f kB", len(sections), len(html) / 1024)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
