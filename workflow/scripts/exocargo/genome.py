"""Checks of the long-RNA reference (genome FASTA and GTF) before STAR indexes it.

STAR builds an index from a genome with duplicate sequence names without complaint, and
from a GTF whose chromosome names match nothing in the genome (UCSC 'chr1' against Ensembl
'1'), after which every gene counts zero. Both mistakes cost hours of alignment before they
show; reading the headers and the GTF first costs a minute on a human genome.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pandas as pd

from exocargo.genes import AnnotationError
from exocargo.io import open_binary

# UCSC and GENCODE name chromosomes 'chr1', Ensembl and NCBI '1'.
CHR_PREFIX = "chr"


def chrom_sizes(fasta: str | Path, copy_to: IO[bytes] | None = None) -> pd.DataFrame:
    """Name and length of every sequence of a genome FASTA, in file order.

    The FASTA may be plain, gzip or bgzip (told by its first bytes). With ``copy_to`` (a
    binary file), every line is also written there unchanged: the decompressed genome, in
    the same pass that checks it.

    Raises AnnotationError naming the file and line of a duplicate name, a header without
    a name, a sequence before the first header, an empty record, or a file without records.
    """
    names: dict[str, int] = {}
    lengths: list[int] = []
    name = None
    with open_binary(fasta) as handle:
        for lineno, line in enumerate(handle, start=1):
            if copy_to is not None:
                copy_to.write(line)
            if line.startswith(b">"):
                if name is not None and lengths[-1] == 0:
                    raise AnnotationError(f"{fasta}: sequence '{name}' is empty")
                parts = line[1:].split(maxsplit=1)
                if not parts:
                    raise AnnotationError(f"{fasta}, line {lineno}: header without a name")
                name = parts[0].decode(errors="replace")
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


def toggle_chr_prefix(name: str) -> str:
    """The sequence name in the other naming: 'chr1' -> '1', '1' -> 'chr1'."""
    return name[len(CHR_PREFIX):] if name.startswith(CHR_PREFIX) else CHR_PREFIX + name


def _naming(names) -> str:
    """How a set of sequence names is written: with or without the 'chr' prefix."""
    prefixed = sum(1 for n in names if n.startswith(CHR_PREFIX))
    if prefixed * 2 >= len(names):
        return "with a 'chr' prefix ('chr1', as UCSC and GENCODE write them)"
    return "without a 'chr' prefix ('1', as Ensembl and NCBI write them)"


def unplaced_genes(genes: pd.DataFrame, sizes: pd.DataFrame, gtf: str, fasta: str) -> list[str]:
    """Genes of the GTF on sequences the genome lacks; an error when that is every gene.

    ``genes`` is ``exocargo.genes.gene_table`` output, ``sizes`` is ``chrom_sizes``.
    Returns the gene ids on missing sequences (they cannot be counted: the caller leaves
    them out). When no gene lies on a genome sequence but the names would match once a
    'chr' prefix is added or removed, the error says which naming each file uses.
    """
    known = set(sizes["chrom"])
    missing = genes.loc[~genes["chrom"].isin(known)]
    if len(missing) == len(genes):
        gtf_names = sorted(set(genes["chrom"]))
        matching = [n for n in gtf_names if toggle_chr_prefix(n) in known]
        head = f"none of the {len(genes)} genes of {gtf} lies on a sequence of {fasta}"
        if matching:
            raise AnnotationError(
                f"{head}: the GTF names its sequences {_naming(gtf_names)}, the genome "
                f"{_naming(known)}; {len(matching)} of the GTF's {len(gtf_names)} sequence "
                f"names match the genome's once the prefix is "
                f"{'removed' if matching[0].startswith(CHR_PREFIX) else 'added'} "
                f"({matching[0]} -> {toggle_chr_prefix(matching[0])}). Use a genome and a "
                "GTF of the same provider (GENCODE's genome with GENCODE's GTF, Ensembl's "
                "with Ensembl's), or rename the sequences of one file to the other's "
                "naming (mitochondrion: 'chrM' in UCSC/GENCODE, 'MT' in Ensembl)"
            )
        raise AnnotationError(
            f"{head}: the GTF names sequences {', '.join(gtf_names[:5])}, the genome "
            f"{', '.join(list(sizes['chrom'])[:5])}; use a GTF and a genome of the same "
            "source (both GENCODE/UCSC 'chr1' or both Ensembl '1')"
        )
    return list(missing["gene_id"])
