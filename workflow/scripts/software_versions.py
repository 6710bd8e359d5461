"""Collect the versions of every tool the run used into results/versions.tsv."""

import logging

from exocargo import versions
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    tables = [
        versions.read_tool_versions(path, versions.env_source(env))
        for env, path in zip(snakemake.params.envs, snakemake.input.tools)
    ]
    tables.append(versions.driver_version(snakemake.params.snakemake))
    tables.append(versions.python_versions())
    merged = versions.merge_versions(tables)
    with atomic_output(snakemake.output.versions) as path:
        write_table(merged, path)
    log.info("\n%s", merged.to_string(index=False))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
