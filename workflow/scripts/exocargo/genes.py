"""Gene annotation from a GTF and gene count matrices from featureCounts output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from exocargo.io import open_text

ATTRIBUTE = re.compile(r'\s*([^\s"]+)\s+"([^"]*)"\s*;?')


class AnnotationError(ValueError):
    """A GTF that cannot be used; the message names the file, the line and the fix."""


@dataclass
class _Span:
    """Genome span (BED-style) of the GTF lines of one gene and feature kind."""

    start: int
    end: int

    def cover(self, start: int, end: int) -> None:
        """Widen the span to hold [start, end)."""
        self.start, self.end = min(self.start, start), max(self.end, end)


def parse_attributes(text: str) -> dict[str, str]:
    """Attributes of a GTF line (``key "value";`` pairs); the first value of a key wins."""
    attributes: dict[str, str] = {}
    for key, value in ATTRIBUTE.findall(text):
        attributes.setdefault(key, value)
    return attributes


def gene_table(gtf: str | Path, type_attributes=("gene_type", "gene_biotype")) -> pd.DataFrame:
    """One row per gene: gene_id, gene_name, gene_type, chrom, strand, start, end.

    Genes are read from ``gene`` lines, or from ``exon`` lines when the GTF has no gene
    lines. The type comes from the first of ``type_attributes`` present (GENCODE writes
    gene_type, Ensembl gene_biotype); a gene without it is an error, since lncRNA and mRNA
    matrices cannot be split without it. start and end are BED-style (0-based start, end
    exclusive): the gene line's span, or the span of the gene's exons.
    """
    genes: dict[str, dict[str, str]] = {}
    spans: dict[tuple[str, str], _Span] = {}  # (kind, gene_id) -> span of its lines
    feature_seen = {"gene": False}
    with open_text(gtf) as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9:
                raise AnnotationError(
                    f"{gtf}, line {lineno}: expected 9 tab-separated GTF columns, found "
                    f"{len(fields)}"
                )
            kind = fields[2]
            if kind == "gene":
                feature_seen["gene"] = True
            elif kind != "exon":
                continue
            attributes = parse_attributes(fields[8])
            gene_id = attributes.get("gene_id")
            if not gene_id:
                raise AnnotationError(f"{gtf}, line {lineno}: {kind} line without gene_id")
            start, end = int(fields[3]) - 1, int(fields[4])
            spans.setdefault((kind, gene_id), _Span(start, end)).cover(start, end)
            if gene_id in genes:
                continue
            gene_type = next((attributes[a] for a in type_attributes if a in attributes), None)
            if gene_type is None:
                raise AnnotationError(
                    f"{gtf}, line {lineno}: gene '{gene_id}' has no "
                    f"{' or '.join(type_attributes)} attribute; exocargo splits lncRNA and "
                    "mRNA counts by gene type, so use a GTF that carries it (GENCODE or "
                    "Ensembl)"
                )
            genes[gene_id] = {
                "gene_id": gene_id,
                "gene_name": attributes.get("gene_name", gene_id),
                "gene_type": gene_type,
                "chrom": fields[0],
                "strand": fields[6],
                "_kind": kind,
            }
    if not genes:
        raise AnnotationError(f"{gtf}: no gene or exon lines; is this a GTF file?")
    table = pd.DataFrame(genes.values())
    kind = "gene" if feature_seen["gene"] else "exon"
    table = table[table["_kind"] == kind]
    table["start"] = [spans[kind, g].start for g in table["gene_id"]]
    table["end"] = [spans[kind, g].end for g in table["gene_id"]]
    return table.drop(columns="_kind").sort_values("gene_id").reset_index(drop=True)


def exclude_fragments(bam_in: str | Path, bam_out: str | Path, names: set[str], threads: int = 1) -> int:
    """Copy a BAM without every record of the named fragments; returns the records left out.

    Used to keep fragments that STAR aligned as chimeras (back-splices, listed in
    Chimeric.out.junction) out of gene counts: STAR also writes a soft-clipped linear
    alignment of such a fragment, which featureCounts would count for the host gene, so a
    circRNA's own reads would move its host's linear expression. pysam streams the file;
    the order and header of the kept records are unchanged.
    """
    import pysam  # noqa: PLC0415 - only the jobs that filter BAMs need it

    left_out = 0
    with pysam.AlignmentFile(bam_in, "rb", threads=threads) as source, pysam.AlignmentFile(
        bam_out, "wb", template=source, threads=threads
    ) as target:
        for record in source.fetch(until_eof=True):
            if record.query_name in names:
                left_out += 1
            else:
                target.write(record)
    return left_out


def read_gene_table(path: str | Path) -> pd.DataFrame:
    """Read a gene table written (tab-separated) from ``gene_table`` output."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    for column in ("start", "end"):
        if column in table.columns:
            table[column] = table[column].astype("int64")
    return table


def read_featurecounts(path: str | Path) -> pd.Series:
    """Counts per gene id from a featureCounts table (last column), as integers."""
    table = pd.read_csv(path, sep="\t", comment="#", dtype={"Geneid": str})
    return table.set_index("Geneid").iloc[:, -1].astype(int)


def class_matrices(
    counts: dict[str, pd.Series],
    genes: pd.DataFrame,
    classes: dict[str, list[str]],
) -> dict[str, pd.DataFrame]:
    """Split per-sample gene counts into one matrix per RNA class by gene type.

    ``counts`` maps sample -> counts per gene (sample order is kept); ``classes`` maps an
    RNA class (lncrna, mrna) to the gene types it holds. Each matrix has feature_id (gene
    id) as index, a gene_name column, then one integer column per sample.
    """
    matrix = pd.DataFrame(counts).fillna(0).astype(int)
    annotated = genes.set_index("gene_id")
    unknown = matrix.index.difference(annotated.index)
    if len(unknown):
        raise AnnotationError(
            f"featureCounts reported genes missing from the GTF gene table: {list(unknown)[:5]}"
        )
    matrices = {}
    for rna_class, types in classes.items():
        ids = annotated.index[annotated["gene_type"].isin(types)]
        ids = sorted(set(ids) & set(matrix.index))
        block = matrix.loc[ids]
        block.insert(0, "gene_name", annotated.loc[ids, "gene_name"])
        block.index.name = "feature_id"
        matrices[rna_class] = block
    return matrices

