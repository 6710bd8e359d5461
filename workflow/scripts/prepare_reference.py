"""Normalise a reference FASTA for bowtie: DNA alphabet, one line per sequence.

For miRBase files the records are restricted to one species; duplicate ids and empty
records stop the job with the offending record named.
"""

import logging

from exocargo import mirna
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    species = snakemake.params.species
    source = snakemake.input.fasta
    if species:
        records = mirna.species_records(source, species)
        if not records:
            raise mirna.ReferenceFileError(
                f"{source}: no record of species '{species}' (ids start with "
                f"'{species}-'); check smallrna.mirbase.species"
            )
    else:
        records = list(mirna.read_fasta(source))
    with atomic_output(snakemake.output.fasta) as path, open(path, "w") as handle:
        for name, _, sequence in records:
            handle.write(f">{name}\n{sequence}\n")
    log.info("%s: %d records written to %s", source, len(records), snakemake.output.fasta)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
