"""Render the self-contained HTML report (results/report.html) from the run's results."""

import logging
import os
from pathlib import Path

import pandas as pd
import yaml

from exocargo import diffexp, qc, report
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


def relative(path, start):
    """A link from the report's directory to a result file."""
    return os.path.relpath(path, start).replace(os.sep, "/")


def read_cargo(path):
    """A cargo table as written by annotate_cargo."""
    return pd.read_csv(path, sep="\t", na_values=["NA"], keep_default_na=False,
                       dtype={"feature_id": str, "reference": str})


def records(table):
    """Rows of a table as dicts with NaN turned into None (the template shows a dash)."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def main(snakemake):
    inputs, params = snakemake.input, snakemake.params
    config = params.config
    here = str(Path(snakemake.output.html).parent)
    alpha = config["diffexp"]["alpha"]
    contrasts = config["diffexp"]["contrasts"]
    sheet = read_sheet(inputs.samples).set_index("sample", drop=False)
    qc_table = qc.read_qc_table(inputs.qc_table)
    cargo = {c: read_cargo(p) for c, p in zip(contrasts, inputs.cargo)}

    sections = []
    for contrast, entry in contrasts.items():
        classes = []
        for (name, rna_class), table_path, volcano, ma in zip(
            params.pairs, inputs.de_tables, inputs.volcanos, inputs.ma_plots
        ):
            if name != contrast:
                continue
            result = diffexp.read_table(table_path)
            hits, any_significant = report.top_hits(
                result, cargo[contrast], rna_class, alpha, config["report"]["top_hits"]
            )
            library = params.library_of_class[rna_class]
            used, excluded = report.contrast_samples(sheet, qc_table, entry, library)
            classes.append({
                "rna_class": rna_class,
                "summary": report.de_summary(result, alpha),
                "hits": records(hits),
                "any_significant": any_significant,
                "used": used,
                "excluded": excluded,
                "volcano": report.png_data_uri(volcano),
                "volcano_svg": relative(Path(volcano).with_suffix(".svg"), here),
                "ma": report.png_data_uri(ma),
                "ma_svg": relative(Path(ma).with_suffix(".svg"), here),
                "table": relative(table_path, here),
            })
        known = report.known_cargo(cargo[contrast])
        fitting = known["context_fits"] == "yes" if not known.empty else []
        sections.append({
            "name": contrast,
            "entry": entry,
            "classes": classes,
            "known": records(known[fitting].head(KNOWN_CARGO_LIMIT)),
            "other_claims": records(known[~fitting].head(KNOWN_CARGO_LIMIT)),
            "known_total": len(known),
            "concordance": report.concordance_counts(known),
            "cargo_table": relative(inputs.cargo[list(contrasts).index(contrast)], here),
        })

    exploration = [
        {
            "rna_class": rna_class,
            "pca": report.png_data_uri(pca),
            "pca_svg": relative(Path(pca).with_suffix(".svg"), here),
            "distances": report.png_data_uri(distances),
            "distances_svg": relative(Path(distances).with_suffix(".svg"), here),
            "cargo_heatmap": report.png_data_uri(heatmap),
            "cargo_heatmap_svg": relative(Path(heatmap).with_suffix(".svg"), here),
        }
        for rna_class, pca, distances, heatmap in zip(
            params.rna_classes, inputs.pca, inputs.distances, inputs.cargo_heatmaps
        )
    ]
    libraries = sorted(set(sheet["library"]))
    shown = [c for c in QC_COLUMNS if c in qc_table.columns]
    context = {
        "title": "exocargo report",
        "samples": records(sheet.reset_index(drop=True)),
        "sheet_columns": list(sheet.columns),
        "config_yaml": yaml.safe_dump(config, sort_keys=False, default_flow_style=False),
        "versions": records(pd.read_csv(inputs.versions, sep="\t", dtype=str)),
        "qc_rows": records(qc_table),
        "qc_columns": [(c, QC_COLUMNS[c]) for c in shown],
        "verdicts": qc_table["verdict"].value_counts().to_dict(),
        "thresholds": report.threshold_rows(
            config["qc"]["fail"], config["qc"]["warn"],
            [c for c in qc.CRITERIA if c.library in libraries],
        ),
        "skipped": qc.skipped_criteria(
            libraries, params.cascade, config["qc"]["genome_step"], config["qc"]["rrna_step"]
        ),
        "exclude_failed": config["qc"]["exclude_failed"],
        "composition": report.png_data_uri(inputs.composition),
        "composition_svg": relative(Path(inputs.composition).with_suffix(".svg"), here),
        "lengths": report.png_data_uri(inputs.lengths),
        "lengths_svg": relative(Path(inputs.lengths).with_suffix(".svg"), here),
        "has_small": "small" in libraries,
        "multiqc": relative(inputs.multiqc, here),
        "qc_tsv": relative(inputs.qc_table, here),
        "alpha": alpha,
        "sections": sections,
        "exploration": exploration,
        "reviews": report.REVIEWS,
        "known_limit": KNOWN_CARGO_LIMIT,
    }
    html = report.render(inputs.template, context)
    with atomic_output(snakemake.output.html) as path:
        path.write_text(html, encoding="utf-8")
    log.info("report: %d sections, %.0f kB", len(sections), len(html) / 1024)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
