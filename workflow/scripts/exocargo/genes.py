"""Gene annotation from a GTF and gene count matrices from featureCounts output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO

import pandas as pd

from exocargo.io import open_text

ATTRIBUTE = re.compile(r'\s*([^\s"]+)\s+"([^"]*)"\s*;?')


class AnnotationError(ValueError):
    """A GTF that cannot be used; the message names the file, the line and the fix."""


# Gene types of older GENCODE and Ensembl releases and the type that replaced them.
# GENCODE's biotype page (https://www.gencodegenes.org/pages/biotypes.html): lncRNA is the
# "generic long non-coding RNA biotype that replaced" these nine; Ensembl's biotype page
# (https://www.ensembl.org/info/genome/genebuild/biotypes.html) lists the same kinds as
# subtypes of lncRNA. protein_coding has kept its name. The gene table carries the current
# name, so that `longrna.gene_types` (default lncRNA, protein_coding) matches a GTF of any
# release; see docs/methods.md.
RENAMED_GENE_TYPES = MappingProxyType(
    {
        old: "lncRNA"
        for old in (
            "3prime_overlapping_ncRNA",
            "antisense",
            "bidirectional_promoter_lncRNA",
            "lincRNA",
            "macro_lncRNA",
            "non_coding",
            "processed_transcript",
            "sense_intronic",
            "sense_overlapping",
        )
    }
)
# Lines a gene's span and attributes are read from when the GTF has no gene line for it
# (Ensembl and GENCODE write gene lines; other sources often write transcripts and exons).
GENE_PARTS = ("transcript", "exon")


def current_gene_type(gene_type: str) -> str:
    """The current GENCODE/Ensembl name of a gene type (older lncRNA subtypes: lncRNA)."""
    return RENAMED_GENE_TYPES.get(gene_type, gene_type)


@dataclass
class _Gene:
    """What the GTF says of one gene: from its gene line, else from its other lines."""

    record: dict[str, str]  # gene_id, gene_name, gene_type, chrom, strand
    start: int  # BED-style span
    end: int
    from_gene_line: bool


def parse_attributes(text: str) -> dict[str, str]:
    """Attributes of a GTF line (``key "value";`` pairs); the first value of a key wins."""
    attributes: dict[str, str] = {}
    for key, value in ATTRIBUTE.findall(text):
        attributes.setdefault(key, value)
    return attributes


def read_genes(gtf: str | Path, type_attributes=("gene_type", "gene_biotype")) -> pd.DataFrame:
    """One row per gene of a GTF, types as written: gene_id, gene_name, gene_type, chrom,
    strand, start, end (BED-style: 0-based start, end exclusive), sorted by gene id.

    A gene's ``gene`` line gives its span and attributes. A gene without one (GTFs that
    write only transcripts and exons) is derived from its transcript and exon lines: the
    chromosome and strand of its first line, the smallest start and the largest end. The
    type comes from the first of ``type_attributes`` present (GENCODE writes gene_type,
    Ensembl gene_biotype); a gene without it is an error, since lncRNA and mRNA matrices
    cannot be split without it. The GTF may be plain, gzip or bgzip.
    """
    found: dict[str, _Gene] = {}
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
            if kind != "gene" and kind not in GENE_PARTS:
                continue
            attributes = parse_attributes(fields[8])
            gene_id = attributes.get("gene_id")
            if not gene_id:
                raise AnnotationError(f"{gtf}, line {lineno}: {kind} line without gene_id")
            start, end = int(fields[3]) - 1, int(fields[4])
            gene = found.get(gene_id)
            if gene is not None and (gene.from_gene_line or kind != "gene"):
                if not gene.from_gene_line:
                    gene.start, gene.end = min(gene.start, start), max(gene.end, end)
                continue
            gene_type = next((attributes[a] for a in type_attributes if a in attributes), None)
            if gene_type is None:
                raise AnnotationError(
                    f"{gtf}, line {lineno}: gene '{gene_id}' has no "
                    f"{' or '.join(type_attributes)} attribute; exocargo splits lncRNA and "
                    "mRNA counts by gene type, so use a GTF that carries it (GENCODE or "
                    "Ensembl)"
                )
            record = {
                "gene_id": gene_id,
                "gene_name": attributes.get("gene_name", gene_id),
                "gene_type": gene_type,
                "chrom": fields[0],
                "strand": fields[6],
            }
            found[gene_id] = _Gene(record, start, end, kind == "gene")
    if not found:
        raise AnnotationError(f"{gtf}: no gene, transcript or exon lines; is this a GTF file?")
    table = pd.DataFrame(
        [{**g.record, "start": g.start, "end": g.end} for g in found.values()],
        columns=["gene_id", "gene_name", "gene_type", "chrom", "strand", "start", "end"],
    )
    return table.sort_values("gene_id").reset_index(drop=True)


def renamed_types(table: pd.DataFrame) -> dict[str, int]:
    """Genes per older gene type in a ``read_genes`` table that ``current_types`` renames."""
    old = table.loc[table["gene_type"].isin(RENAMED_GENE_TYPES), "gene_type"]
    return {name: int(count) for name, count in sorted(old.value_counts().items())}


def current_types(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every gene type under its current name (``RENAMED_GENE_TYPES``)."""
    return table.assign(gene_type=table["gene_type"].map(current_gene_type))


def gene_table(gtf: str | Path, type_attributes=("gene_type", "gene_biotype")) -> pd.DataFrame:
    """One row per gene: gene_id, gene_name, gene_type, chrom, strand, start, end.

    ``read_genes`` with the gene types under their current names (an old GENCODE release's
    lincRNA or antisense gene is an lncRNA gene here).
    """
    return current_types(read_genes(gtf, type_attributes))


def filter_gtf(source: str | Path, target: IO[str], contigs: set[str]) -> int:
    """Copy the GTF (plain, gzip or bgzip) to ``target`` without the lines on sequences
    outside ``contigs``; comment lines are kept. Returns the number of lines left out."""
    left_out = 0
    with open_text(source) as handle:
        for line in handle:
            if line.startswith("#") or not line.strip() or line.split("\t", 1)[0] in contigs:
                target.write(line)
            else:
                left_out += 1
    return left_out


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
    RNA class (lncrna, mrna) to the gene types it holds, compared under their current
    names (``current_gene_type``: a config listing lincRNA selects the lncRNA genes). Each
    matrix has feature_id (gene id) as index, a gene_name column, then one integer column
    per sample.
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
        wanted = {current_gene_type(t) for t in types}
        ids = annotated.index[annotated["gene_type"].map(current_gene_type).isin(wanted)]
        ids = sorted(set(ids) & set(matrix.index))
        block = matrix.loc[ids]
        block.insert(0, "gene_name", annotated.loc[ids, "gene_name"])
        block.index.name = "feature_id"
        matrices[rna_class] = block
    return matrices

