# The run plan (exocargo.plan: config and sheet checked, defaults filled in, before any job),
# wildcard constraints, and the functions that read paths and values off it; nothing decides.

import shlex
import sys
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from exocargo import plan as run_plan  # noqa: E402
from exocargo import tools, versions  # noqa: E402

PLAN = run_plan.load(config, workflow.basedir, workflow.configfiles)
# Jobs find the venv's tools without an activated venv; missing tools are named up front.
tools.put_first_on_path(sys.executable)
if DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method:
    tools.check(PLAN.tool_envs)
SAMPLE_SHEET = PLAN.sheet_path
# The trimming rules' failure diagnosis: an input (shadowed jobs see only inputs), no rerun.
CHECK_READS = ancient(
    run_plan.workflow_file(workflow.basedir, "scripts/check_reads.py")
)
name_pattern = run_plan.name_pattern


wildcard_constraints:
    sample=name_pattern(PLAN.samples),
    contrast=name_pattern(PLAN.contrasts),
    rna_class=name_pattern(PLAN.rna_classes),
    step=name_pattern(PLAN.cascade_names),
    env=name_pattern(PLAN.tool_envs),


def get_raw_fastq(wildcards):
    """First read file of a sample: the sheet's, or its units merged (Plan.fastqs)."""
    return PLAN.fastqs(wildcards.sample)[0]


def get_download(wildcards):
    """URL and checksum of one file of the reference cache (Plan.download)."""
    return PLAN.download(wildcards.cached)


def get_unit_fastqs(wildcards):
    """One mate's read files of every unit of a sample, in sheet order."""
    return PLAN.unit_fastqs(wildcards.sample, wildcards.mate)


def get_trim_input(wildcards):
    """Reads to trim: UMI-extracted reads for UMI protocols, raw reads otherwise."""
    if PLAN.umi:
        return f"results/umi/{wildcards.sample}.fastq.gz"
    return get_raw_fastq(wildcards)


def umi_regex(wildcards):
    """umi_tools pattern of the protocol (a function: its braces are not wildcards)."""
    return PLAN.umi_pattern


def get_long_fastqs(wildcards):
    """Read files of a long-RNA sample, [R1] or [R1, R2]: the sheet's or merged units."""
    return PLAN.fastqs(wildcards.sample)


def get_trimmed_long_fastqs(wildcards):
    """Trimmed read files of a long-RNA sample, in mate order."""
    return expand(
        "results/trimmed/long/{sample}_{mate}.fastq.gz",
        sample=wildcards.sample,
        mate=PLAN.mates(wildcards.sample),
    )


def get_unmapped_mates(wildcards):
    """Reads the main STAR run left unmapped: mate1 and, for paired samples, mate2."""
    mates = ["mate1", "mate2"] if PLAN.is_paired(wildcards.sample) else ["mate1"]
    return [f"results/star/{wildcards.sample}/Unmapped.out.{m}" for m in mates]


def cascade_step_source(wildcards):
    """Reference FASTA of one cascade step (miRBase hairpins for the miRNA step)."""
    return PLAN.step(wildcards.step).source


def cascade_step_species(wildcards):
    """miRBase species filter of the miRNA step; none for other references."""
    return PLAN.step(wildcards.step).species


def bowtie_index_prefix(wildcards, output):
    """bowtie-build's prefix of the index files it writes."""
    return output[0][: -len(".1.ebwt")]


def cascade_steps(wildcards):
    """(name, index prefix, mismatches) of every step, in cascade order."""
    return [
        (step.name, f"results/references/smallrna/{step.name}", step.mismatches)
        for step in PLAN.cascade
    ]


def bowtie_index_memory(wildcards, attempt):
    """Memory of bowtie-build for one cascade step, doubled on each retry."""
    return run_plan.on_attempt(PLAN.memory.bowtie_index[wildcards.step], attempt)


def quantify_smallrna_memory(wildcards, attempt):
    """Memory of a small-RNA library's job, doubled on each retry."""
    return run_plan.on_attempt(PLAN.memory.quantify_smallrna, attempt)


def star_index_memory(wildcards, attempt):
    """Memory of STAR genomeGenerate, doubled on each retry."""
    return run_plan.on_attempt(PLAN.memory.star_index, attempt)


def star_align_memory(wildcards, attempt):
    """Memory of a STAR alignment, doubled on each retry."""
    return run_plan.on_attempt(PLAN.memory.star_align, attempt)


def star_sa_index_bases(wildcards, input):
    """STAR --genomeSAindexNbases for the size of the checked genome."""
    return run_plan.star_sa_index_nbases(input.chrom_sizes)


def longrna_cutadapt_arguments(wildcards):
    """cutadapt options of a long-RNA library."""
    return PLAN.cutadapt_long(wildcards.sample)


def get_de_samples(wildcards):
    """Samples of a DE job: the RNA class's libraries in the contrast's two levels."""
    return PLAN.de_samples(wildcards.contrast, wildcards.rna_class)


def get_contrast(wildcards):
    """Config entry of one contrast."""
    return PLAN.contrasts[wildcards.contrast]


def get_size_factor_counts(wildcards):
    """Matrix whose size factors normalise a class (see Plan.size_factor_counts)."""
    return PLAN.size_factor_counts(wildcards.rna_class)


def get_declared_strandedness(wildcards):
    """Strandedness given in the sheet for a sample, or '' to infer it."""
    return PLAN.declared_strandedness(wildcards.sample)


def featurecounts_pairs(wildcards):
    """featureCounts options of a long-RNA library's layout (paired: count fragments)."""
    return PLAN.featurecounts_pairs(wildcards.sample)


def get_small_qc_inputs(wildcards):
    """Reports of one small-RNA sample that its QC metrics are read from."""
    inputs = dict(
        cutadapt="results/trimmed/{sample}.cutadapt.json",
        collapse="results/smallrna/{sample}/collapse.json",
        collapsed="results/smallrna/{sample}/collapsed.fa",
        biotypes="results/smallrna/{sample}/biotypes.tsv",
        mirna_summary="results/smallrna/{sample}/mirna_summary.tsv",
    )
    if PLAN.umi:
        # umi_tools drops reads without adapter and UMI before cutadapt sees them.
        inputs["umi_log"] = "logs/umi_extract/{sample}.log"
    return {key: path.format(sample=wildcards.sample) for key, path in inputs.items()}


def sample_libraries(wildcards):
    """Library type (small/long) of every sample, in sheet order."""
    return {s: PLAN.sheet.loc[s, "library"] for s in PLAN.samples}


def cutadapt_read_outputs(wildcards, output):
    """cutadapt's trimmed-read outputs: -o R1, and -p R2 for paired libraries."""
    mates = [("-o", output.r1)] + ([("-p", output.r2)] if "r2" in output.keys() else [])
    return " ".join(f"{flag} {shlex.quote(path)}" for flag, path in mates)


def get_contrast_context(wildcards):
    """Catalog context (drug_resistance or metastasis) of a contrast."""
    return PLAN.contrasts[wildcards.contrast]["context"]


def version_command(wildcards):
    """Shell lines printing 'tool<TAB>version' for each tool of one conda environment."""
    return versions.version_command(wildcards.env)


def get_class_library(wildcards):
    """Library type ('small' or 'long') that measures an RNA class."""
    return run_plan.LIBRARY_OF_CLASS[wildcards.rna_class]
