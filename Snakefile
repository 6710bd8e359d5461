# exocargo: exosomal RNA-seq in breast cancer, from reads to review-annotated cargo.
# Architecture and conventions: CONTRIBUTING.md; every setting lives in the config
# (config/config.yaml runs the bundled demo; docs/usage.md explains every key).

from snakemake.utils import min_version

min_version("9.0")


# The demo's config, unless the command line names config files: a user's config then
# stands alone (with the schema's defaults), instead of being laid over the demo's
# contrasts, references and thresholds.
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
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
