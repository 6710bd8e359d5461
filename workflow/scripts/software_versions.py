"""Collect the versions of every tool the run used into results/versions.tsv."""

import logging

import pandas as pd

from exocargo import report
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    tables = [
        report.read_tool_versions(path, f"workflow/envs/{env}.yaml")
        for env, path in zip(snakemake.params.envs, snakemake.input.tools)
    ]
    tables.append(
        pd.DataFrame(
            [("snakemake", snakemake.params.snakemake, "workflow driver")],
            columns=report.VERSION_COLUMNS,
        )
    )
    tables.append(report.python_versions())
    versions = report.merge_versions(tables)
    with atomic_output(snakemake.output.versions) as path:
        versions.to_csv(path, sep="\t", index=False)
    log.info("\n%s", versions.to_string(index=False))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
