"""Concatenate one mate's read files of a sample's units (lanes, runs) into one file."""

from exocargo.io import run_logged
from exocargo.units import merge_fastqs


def main(snakemake):
    merge_fastqs(list(snakemake.input.fastqs), snakemake.output.fastq)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
