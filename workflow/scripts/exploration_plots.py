"""Variance-stabilised counts of one RNA class, their PCA and sample-distance heatmap."""

import logging

from exocargo import exploration, qc, qcplots, tables
from exocargo.io import atomic_output, run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)


def read_counts(path):
    """A count matrix (feature x sample), without the gene_name column of gene matrices."""
    return tables.read_matrix(path).drop(columns=["gene_name"], errors="ignore")


def pca_views(vst, qc_table):
    """PCA of all samples and, when QC leaves some out of DE (and 3 or more remain), of the
    samples DE uses: failing libraries can dominate the first components."""
    views = {"all samples": exploration.pca(vst)}
    kept = [s for s in vst.columns if qc_table.loc[s, "excluded_from_de"] != "yes"]
    if len(kept) < vst.shape[1] and len(kept) >= 3:
        views["samples used in DE"] = exploration.pca(vst[kept])
    return views


def write_notes(snakemake, rna_class, counts, reason):
    """An empty class (no circRNA called, no lncRNA in the GTF) or a one-library run: the
    VST table's header, and a note in place of each plot."""
    log.warning("%s: nothing to explore (%s)", rna_class, reason)
    with atomic_output(snakemake.output.vst) as path:
        tables.write_table(exploration.empty_vst(counts), path, index=True)
    note = f"{rna_class}: {reason}"
    qcplots.note_figure(note, [snakemake.output.pca, snakemake.output.pca_svg])
    qcplots.note_figure(note, [snakemake.output.distances, snakemake.output.distances_svg])


def main(snakemake):
    rna_class = snakemake.wildcards.rna_class
    counts = read_counts(snakemake.input.counts)
    reason = exploration.too_few_to_stabilise(counts)
    if reason:
        write_notes(snakemake, rna_class, counts, reason)
        return
    vst = exploration.variance_stabilised(counts)
    with atomic_output(snakemake.output.vst) as path:
        tables.write_table(vst, path, index=True)
    sheet = read_sheet(snakemake.input.samples).set_index("sample", drop=False)
    qc_table = qc.read_qc_table(snakemake.input.qc_table).set_index("sample")
    conditions = list(snakemake.params.conditions)
    views = pca_views(vst, qc_table)
    for name, view in views.items():
        log.info("%s, %s: PCA on %d samples, variance explained %s", rna_class, name,
                 len(view.coords), [round(float(v), 3) for v in view.explained[:4]])
    qcplots.pca_figure(views, sheet, conditions, qc_table["verdict"], rna_class,
                       [snakemake.output.pca, snakemake.output.pca_svg])
    qcplots.distance_figure(vst, sheet, conditions, rna_class,
                            [snakemake.output.distances, snakemake.output.distances_svg])


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
