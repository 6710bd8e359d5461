# exocargo: exosomal RNA-seq in breast cancer, from reads to review-annotated cargo.
# Architecture and conventions: CONTRIBUTING.md; every setting lives in the config
# (config/config.yaml runs the bundled demo; docs/usage.md explains every key).

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/trim.smk"
include: "workflow/rules/smallrna.smk"
include: "workflow/rules/counts.smk"


# Long-RNA rules need the longrna config section, which small-RNA-only runs may omit.
if PLAN.long:

    include: "workflow/rules/longrna.smk"
    include: "workflow/rules/circrna.smk"


include: "workflow/rules/diffexp.smk"
include: "workflow/rules/cargo.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/versions.smk"


rule all:
    default_target: True
    input:
        PLAN.all_outputs(),
