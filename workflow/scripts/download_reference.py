"""Download one reference given by URL into the cache, verified (exocargo.downloads)."""

from exocargo import downloads
from exocargo.io import run_logged


def main(snakemake):
    source = snakemake.params.source
    downloads.download(
        source["url"],
        snakemake.output.file,
        source["algorithm"],
        source["digest"],
        snakemake.params.lock_file,
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
