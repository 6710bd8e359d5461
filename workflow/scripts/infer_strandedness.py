"""Library strandedness of one long-RNA sample: inferred from STAR, the sheet's value wins."""

import json
import logging
import math

from exocargo import strandedness
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    inferred = strandedness.infer_strandedness(snakemake.input.gene_counts)
    declared = snakemake.params.declared
    used = strandedness.resolve_strandedness(declared, inferred)
    record = {
        "sample": snakemake.wildcards.sample,
        "strandedness": used,
        "declared": declared,
        "inferred": inferred.call,
        "forward_fraction": None
        if math.isnan(inferred.forward_fraction)
        else round(inferred.forward_fraction, 4),
        "reverse_fraction": None
        if math.isnan(inferred.reverse_fraction)
        else round(inferred.reverse_fraction, 4),
        "assigned_reads": inferred.assigned,
    }
    if inferred.call == "ambiguous" and not declared:
        log.warning(
            "%s: strandedness is ambiguous (%s); counted as unstranded. Declare it in the "
            "sample sheet's strandedness column if the kit is known.",
            snakemake.wildcards.sample,
            record,
        )
    elif declared and declared != inferred.call:
        log.warning(
            "%s: sheet says %s, data suggest %s; using the sheet",
            snakemake.wildcards.sample,
            declared,
            inferred.call,
        )
    with atomic_output(snakemake.output.strandedness) as path:
        path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    log.info("%s", record)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
