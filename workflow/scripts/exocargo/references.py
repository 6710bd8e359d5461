"""The long-RNA reference as the tools read it, prepared once from the files as distributed.

GENCODE and Ensembl distribute the genome FASTA and the GTF gzipped (Ensembl's FASTA
bgzipped too); STAR's genomeGenerate reads neither compressed. ``prepare_longrna`` checks
both files once and writes them decompressed under results/references/, which STAR,
featureCounts and every other consumer read: the configured files are read only here.

The GTF is also made to fit the genome: genes on sequences the FASTA lacks (an Ensembl GTF
holds the patches and haplotypes that a primary-assembly FASTA leaves out) are left out of
the prepared GTF and the gene table, with one warning naming the sequences; a GTF whose
sequence names match none of the genome's stops the run (exocargo.genome.unplaced_genes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from exocargo import genes, genome
from exocargo.io import atomic_output, is_gzip

log = logging.getLogger(__name__)

# Memory is sized on the plain genome. gzip packs a DNA FASTA about 3 to 3.5 times (the
# demo genome: 3.3), so 4 times the file errs towards more memory, never less; a gzip
# member's own size field cannot tell (it is modulo 4 GiB, and bgzip writes one member per
# 64 kB block).
GZIP_EXPANSION = 4
# Sequences named one by one in the warning about dropped genes; the rest are counted.
LISTED_CONTIGS = 20


def plain_size_mb(path: str | Path) -> float:
    """Size of a file once decompressed, in MB (1e6 bytes): measured when it is plain,
    estimated (``GZIP_EXPANSION`` times the file) when it is gzip or bgzip."""
    size = Path(path).stat().st_size / 1e6
    return size * GZIP_EXPANSION if is_gzip(path) else size


@dataclass(frozen=True)
class PreparedReference:
    """What preparing the long-RNA reference found and kept."""

    sizes: pd.DataFrame  # chrom, length of every genome sequence, in FASTA order
    genes: pd.DataFrame  # gene table (exocargo.genes.gene_table) of the kept genes
    dropped: dict[str, int] = field(default_factory=dict)  # sequence -> genes left out
    renamed: dict[str, int] = field(default_factory=dict)  # old gene type -> genes


def dropped_genes_warning(dropped: dict[str, int], gtf: str, fasta: str) -> str:
    """One warning for the genes left out because the genome lacks their sequences."""
    order = sorted(dropped, key=lambda chrom: (-dropped[chrom], chrom))
    listed = [f"{chrom} ({dropped[chrom]})" for chrom in order[:LISTED_CONTIGS]]
    if len(order) > LISTED_CONTIGS:
        listed.append(f"and {len(order) - LISTED_CONTIGS} more")
    total = sum(dropped.values())
    return (
        f"{total} gene(s) of {gtf} lie on {len(dropped)} sequence(s) absent from {fasta} "
        "and are left out of the prepared GTF and the gene table (they cannot be "
        f"counted); genes per sequence: {', '.join(listed)}"
    )


def prepare_longrna(
    fasta: str, gtf: str, fasta_out: str | Path, gtf_out: str | Path
) -> PreparedReference:
    """Check the genome FASTA and the GTF (plain, gzip or bgzip) and write them plain.

    Writes ``fasta_out`` (the genome, unchanged but decompressed) and ``gtf_out`` (the
    GTF without the lines on sequences the genome lacks), each under a temporary name
    renamed when complete. Both files are read before failing, so that one run reports the
    problems of both; raises genes.AnnotationError naming the file, line and fix. Logs one
    warning for the genes left out, and which older gene types were renamed.
    """
    problems = []
    sizes = table = None
    # The genome is renamed to its final name only once both files have passed.
    with atomic_output(fasta_out) as fasta_path:
        try:
            with open(fasta_path, "wb") as copy:
                sizes = genome.chrom_sizes(fasta, copy_to=copy)
        except genes.AnnotationError as error:
            problems.append(str(error))
        try:
            table = genes.read_genes(gtf)
        except genes.AnnotationError as error:
            problems.append(str(error))
        if problems:
            raise genes.AnnotationError("\n".join(problems))
        unplaced = set(genome.unplaced_genes(table, sizes, gtf, fasta))
        kept = table[~table["gene_id"].isin(unplaced)].reset_index(drop=True)
        dropped = table.loc[table["gene_id"].isin(unplaced), "chrom"].value_counts()
        dropped = {str(chrom): int(count) for chrom, count in dropped.items()}
        if dropped:
            log.warning("%s", dropped_genes_warning(dropped, gtf, fasta))
        with atomic_output(gtf_out) as gtf_path, open(gtf_path, "w") as copy:
            genes.filter_gtf(gtf, copy, set(sizes["chrom"]))
    renamed = genes.renamed_types(kept)
    if renamed:
        log.info(
            "gene types of older GENCODE/Ensembl releases read as lncRNA: %s",
            ", ".join(f"{name} ({count} genes)" for name, count in renamed.items()),
        )
    return PreparedReference(sizes, genes.current_types(kept), dropped, renamed)
