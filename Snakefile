# exocargo: exosomal RNA-seq in breast cancer, from reads to review-annotated cargo.
# Architecture and conventions: see README.md and the design notes; every setting lives in
# config/config.yaml (explained in config/README.md).

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/trim.smk"
include: "workflow/rules/smallrna.smk"
include: "workflow/rules/counts.smk"


# Long-RNA rules need the longrna config section, which small-RNA-only runs may omit.
if LONG_SAMPLES:

    include: "workflow/rules/longrna.smk"
    include: "workflow/rules/circrna.smk"


include: "workflow/rules/diffexp.smk"
include: "workflow/rules/cargo.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
