"""Checks of the long-RNA reference (genome FASTA and GTF) before STAR indexes it.

STAR builds an index from a genome with duplicate sequence names without complaint, and
from a GTF whose chromosome names match nothing in the genome (UCSC 'chr1' against Ensembl
'1'), after which every gene counts zero. Both mistakes cost hours of alignment before they
show; reading the headers and the GTF first costs a minute on a human genome.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from exocargo.genes import AnnotationError
from exocargo.io import open_text


def chrom_sizes(fasta: str | Path) -> pd.DataFrame:
    """Name and length of every sequence of a genome FASTA, in file order.

    Raises AnnotationError naming the file and line of a duplicate name, a header without
    a name, a sequence before the first header, an empty record, or a file without records.
    """
    names: dict[str, int] = {}
    lengths: list[int] = []
    name = None
    with open_text(fasta) as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.startswith(">"):
                if name is not None and lengths[-1] == 0:
                    raise AnnotationError(f"{fasta}: sequence '{name}' is empty")
                parts = line[1:].split(maxsplit=1)
                if not parts:
                    raise AnnotationError(f"{fasta}, line {lineno}: header without a name")
                name = parts[0]
                if name in names:
                    raise AnnotationError(
                        f"{fasta}, line {lineno}: duplicate sequence name '{name}' (first "
                        f"on line {names[name]}); STAR would index both under one name: "
                        "remove or rename one"
                    )
                names[name] = lineno
                lengths.append(0)
            elif line.strip():
                if name is None:
                    raise AnnotationError(
                        f"{fasta}, line {lineno}: sequence before the first '>' header; "
                        "is this a FASTA file?"
                    )
                lengths[-1] += len(line.strip())
    if name is None:
        raise AnnotationError(f"{fasta}: no FASTA records; is this the genome FASTA?")
    if lengths[-1] == 0:
        raise AnnotationError(f"{fasta}: sequence '{name}' is empty")
    return pd.DataFrame({"chrom": list(names), "length": lengths})


def unplaced_genes(genes: pd.DataFrame, sizes: pd.DataFrame, gtf: str, fasta: str) -> list[str]:
    """Genes of the GTF on sequences the genome lacks; an error when that is every gene.

    ``genes`` is ``exocargo.genes.gene_table`` output, ``sizes`` is ``chrom_sizes``.
    Returns the gene ids on missing sequences (worth a warning: they will count zero).
    """
    known = set(sizes["chrom"])
    missing = genes.loc[~genes["chrom"].isin(known)]
    if len(missing) == len(genes):
        raise AnnotationError(
            f"none of the {len(genes)} genes of {gtf} lies on a sequence of {fasta}: the "
            f"GTF names sequences {', '.join(sorted(set(genes['chrom']))[:5])}, the genome "
            f"{', '.join(list(sizes['chrom'])[:5])}; use a GTF and a genome of the same "
            "source (both GENCODE/UCSC 'chr1' or both Ensembl '1')"
        )
    return list(missing["gene_id"])
