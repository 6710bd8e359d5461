# Validation of config and sample sheet, wildcard constraints and every input function.
# Runs at parse time: a bad sheet or config stops here, before any job is scheduled.

import math
import os
import re
import shlex
import sys
from pathlib import Path
from types import SimpleNamespace

from snakemake.io import is_flagged

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from exocargo import circrna, configcheck, samplesheet, trimming  # noqa: E402

SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"
# The config against its schema, one line per problem, then the schema's defaults filled in
# (as snakemake.utils.validate would, without reading the schema a second time).
configcheck.check_config(
    config,
    SCHEMAS / "config.schema.yaml",
    configcheck.config_source(workflow.configfiles),
)

SAMPLE_SHEET = config["samples"]
SAMPLES = samplesheet.validate_sheet(SAMPLE_SHEET, SCHEMAS / "samples.schema.yaml")
SMALL_SAMPLES = samplesheet.samples_of(SAMPLES, "small")
LONG_SAMPLES = samplesheet.samples_of(SAMPLES, "long")
PAIRED_SAMPLES = [s for s in LONG_SAMPLES if samplesheet.is_paired(SAMPLES, s)]
SINGLE_SAMPLES = [s for s in LONG_SAMPLES if s not in PAIRED_SAMPLES]
if LONG_SAMPLES and "longrna" not in config:
    raise ValueError(
        f"{SAMPLE_SHEET} has long-RNA samples ({', '.join(LONG_SAMPLES[:3])}, ...) but the "
        "config has no 'longrna' section (genome, gtf, ...); see config/README.md"
    )
CONTRASTS = config["diffexp"]["contrasts"]
samplesheet.validate_contrasts(
    CONTRASTS, SAMPLES, SAMPLE_SHEET, "config diffexp.contrasts"
)

CASCADE = config["smallrna"]["cascade"]
CASCADE_NAMES = [step["name"] for step in CASCADE]
if CASCADE_NAMES.count("miRNA") != 1:
    raise ValueError(
        "config smallrna.cascade: exactly one step must be named miRNA (the miRBase "
        f"hairpin step); found {CASCADE_NAMES}"
    )
if len(set(CASCADE_NAMES)) != len(CASCADE_NAMES):
    raise ValueError(
        f"config smallrna.cascade: step names must be unique: {CASCADE_NAMES}"
    )
for number, step in enumerate(CASCADE, start=1):
    if step["name"] != "miRNA" and "fasta" not in step:
        raise ValueError(
            f"config smallrna.cascade step {number} ({step['name']}): 'fasta' is required"
        )
    step.setdefault("mismatches", 1)


def configured_files():
    """(config key, path) of every reference file the config names."""
    mirbase = config["smallrna"]["mirbase"]
    files = [
        (f"smallrna.mirbase.{key}", mirbase[key])
        for key in ("hairpin", "mature", "gff")
    ]
    files += [
        (f"smallrna.cascade[{step['name']}].fasta", step["fasta"])
        for step in CASCADE
        if "fasta" in step
    ]
    files.append(("cargo.catalog", config["cargo"]["catalog"]))
    if LONG_SAMPLES:
        files += [
            (f"longrna.{key}", config["longrna"][key]) for key in ("genome", "gtf")
        ]
        if config.get("circrna", {}).get("known"):
            files.append(("circrna.known", config["circrna"]["known"]))
    return files


_missing = [
    f"{key}: {path}" for key, path in configured_files() if not Path(path).is_file()
]
if _missing:
    raise ValueError(
        "reference file(s) named in the config do not exist:\n  "
        + "\n  ".join(_missing)
        + "\nfix the paths in the config (they are relative to the working directory)"
    )

trimming.cutadapt_arguments(**{k: v for k, v in config["trimming"].items()})
UMI = trimming.uses_umi(config["trimming"]["protocol"])

LIBRARY_OF_CLASS = {
    "mirna": "small",
    "lncrna": "long",
    "mrna": "long",
    "circrna": "long",
}
RNA_CLASSES = [
    c
    for c, library in LIBRARY_OF_CLASS.items()
    if samplesheet.samples_of(SAMPLES, library)
]


def name_pattern(names):
    """Regex matching exactly the given names (never matching when there are none)."""
    return "|".join(re.escape(n) for n in names) or "(?!x)x"


PAIRED_PATTERN = name_pattern(PAIRED_SAMPLES)
SINGLE_PATTERN = name_pattern(SINGLE_SAMPLES)


wildcard_constraints:
    sample=name_pattern(SAMPLES.index),
    contrast=name_pattern(CONTRASTS),
    rna_class=name_pattern(RNA_CLASSES),
    step=name_pattern(CASCADE_NAMES),


def all_outputs():
    """Final targets: count matrices, DE tables and plots, cargo tables, QC, report."""
    targets = [f"results/counts/{rna_class}.tsv" for rna_class in RNA_CLASSES]
    targets += [
        "results/qc/samples.tsv",
        "results/multiqc/multiqc_report.html",
        "results/versions.tsv",
        "results/report.html",
    ]
    for contrast in CONTRASTS:
        targets += [f"results/de/{contrast}/{c}.tsv" for c in RNA_CLASSES]
        if RNA_CLASSES:
            targets.append(f"results/cargo/{contrast}.tsv")
    return targets


# Tools that write their outputs in place (cutadapt, umi_tools, bowtie-build, STAR,
# samtools, MultiQC) write them under a partial name beside the final one; the shell rule
# renames them only after the tool succeeded, so a job that is killed or fails never
# leaves a file under a final name (scripts do the same with exocargo.io.atomic_output).
PARTIAL_PREFIX = ".partial."


def partial_path(path):
    """Partial name of an output: its file name prefixed with '.partial.', same directory.

    The name keeps its suffixes, which cutadapt and others read the format from.
    """
    path = Path(path)
    return str(path.with_name(f"{PARTIAL_PREFIX}{path.name}"))


def partial_outputs(wildcards, output):
    """Partial names of a job's outputs, by output name (see partial_path)."""
    return SimpleNamespace(
        **{
            name: (
                [partial_path(p) for p in value]
                if isinstance(value, list)
                else partial_path(value)
            )
            for name, value in output.items()
        }
    )


def partial_cleanup(wildcards, output):
    """Shell trap removing a job's partial outputs when the job ends, failed or not.

    After a successful job they have been renamed already; after a failure nothing is
    left behind. (A SIGKILL cannot be trapped: the partial files stay until the job reruns
    and overwrites them, and no final name is ever taken by a partial file.)
    """
    paths = " ".join(shlex.quote(partial_path(path)) for path in output)
    return f"trap {shlex.quote(f'rm -rf -- {paths}')} EXIT"


def star_cleanup(wildcards, output):
    """Shell trap removing everything a STAR job wrote under its partial prefix."""
    prefix = shlex.quote(star_prefix(wildcards, output))
    # the glob is expanded when the trap runs; the prefix is private to the job
    return f"trap {shlex.quote(f'rm -rf -- {prefix}*')} EXIT"


def publish_outputs(wildcards, output):
    """Shell command renaming every partial output of a job to its final name."""
    moves = []
    for path in output:
        final, partial = shlex.quote(str(path)), shlex.quote(partial_path(path))
        if is_flagged(path, "directory"):
            moves.append(f"rm -rf {final} && mv {partial} {final}")
        else:
            moves.append(f"mv -f {partial} {final}")
    return " && ".join(moves)


# Reports STAR writes beside the declared outputs; kept under their usual names.
STAR_REPORTS = ("Log.out", "Log.progress.out", "Log.final.out", "SJ.out.tab")


def publish_star_outputs(wildcards, output):
    """Rename STAR's declared outputs and its other reports; drop its scratch directories."""
    prefix = star_prefix(wildcards, output)
    declared = {Path(path).name for path in output}
    directory = Path(output[0]).parent
    # reports first: a partial report left behind means no output was renamed yet
    moves = [
        f"mv -f {shlex.quote(f'{prefix}{name}')} {shlex.quote(str(directory / name))}"
        for name in STAR_REPORTS
        if name not in declared
    ]
    moves.append(publish_outputs(wildcards, output))
    scratch = " ".join(
        shlex.quote(f"{prefix}{d}") for d in ("_STARgenome", "_STARpass1", "_STARtmp")
    )
    return " && ".join(moves + [f"rm -rf {scratch}"])


def trim_check_reads(wildcards):
    """Command that says what is wrong with a sample's raw reads when trimming failed."""
    script = Path(workflow.basedir) / "workflow" / "scripts" / "check_reads.py"
    # relative to the working directory: an absolute path in params would make every
    # trimming job rerun when the project directory is moved or copied
    script = os.path.relpath(script)
    return f"python {shlex.quote(script)} {shlex.quote(wildcards.sample)}"


def get_raw_fastq(wildcards):
    """First read file of a sample as given in the sheet."""
    return SAMPLES.loc[wildcards.sample, "fastq_1"]


def get_trim_input(wildcards):
    """Reads to trim: UMI-extracted reads for UMI protocols, raw reads otherwise."""
    if UMI:
        return f"results/umi/{wildcards.sample}.fastq.gz"
    return get_raw_fastq(wildcards)


def cutadapt_arguments(wildcards):
    """cutadapt options of the configured small-RNA protocol, as a list."""
    return trimming.cutadapt_arguments(**config["trimming"])


def umi_regex(wildcards):
    """umi_tools extraction pattern of the configured protocol."""
    return trimming.umi_regex(config["trimming"]["protocol"])


def cascade_step_source(wildcards):
    """Reference FASTA of one cascade step (miRBase hairpins for the miRNA step)."""
    if wildcards.step == "miRNA":
        return config["smallrna"]["mirbase"]["hairpin"]
    return next(step["fasta"] for step in CASCADE if step["name"] == wildcards.step)


def cascade_step_species(wildcards):
    """miRBase species filter of the miRNA step; none for other references."""
    return config["smallrna"]["mirbase"]["species"] if wildcards.step == "miRNA" else ""


BOWTIE_INDEX_SUFFIXES = [
    "1.ebwt",
    "2.ebwt",
    "3.ebwt",
    "4.ebwt",
    "rev.1.ebwt",
    "rev.2.ebwt",
]


def bowtie_index_files(step):
    """Files of the bowtie index of one cascade step."""
    return [f"results/references/smallrna/{step}.{s}" for s in BOWTIE_INDEX_SUFFIXES]


def on_attempt(memory_mb, attempt):
    """Memory request of a job's `attempt`-th try: doubled on each retry, so that a job
    killed for memory (on a cluster, or under --resources mem_mb) gets more next time.
    """
    return int(memory_mb * 2 ** (attempt - 1))


def file_size_mb(path):
    """Size of a file in MB (1e6 bytes)."""
    return Path(path).stat().st_size / 1e6


def bowtie_index_memory(wildcards, attempt):
    """Memory of bowtie-build for one cascade step: an estimate of 4 bytes per reference
    base, at least 4 GB, doubled on each retry.

    Sized on the configured FASTA (for the miRNA step the hairpin file, which may hold
    more species than are indexed): it exists when the DAG is built, unlike the prepared
    reference that the rule reads.
    """
    return on_attempt(
        max(4096, 4 * file_size_mb(cascade_step_source(wildcards))), attempt
    )


# Cascade references, read once here rather than once per sample job.
CASCADE_REFERENCE_MB = [
    file_size_mb(path)
    for path in [config["smallrna"]["mirbase"]["hairpin"]]
    + [step["fasta"] for step in CASCADE if "fasta" in step]
]


def quantify_smallrna_memory(wildcards, attempt):
    """Memory of a small-RNA library's job: every cascade step's bowtie runs at once (each
    holds its index, about the size of its FASTA), plus room for the sample's distinct
    sequences and cutadapt."""
    return on_attempt(max(2048, sum(CASCADE_REFERENCE_MB) + 1000), attempt)


def index_prefix(wildcards, output):
    """bowtie-build prefix of the partial index files (renamed when the build is done)."""
    return partial_path(output[0])[: -len(".1.ebwt")]


def cascade_indexes(wildcards):
    """Index files of every step, in cascade order."""
    return [f for step in CASCADE_NAMES for f in bowtie_index_files(step)]


def cascade_steps(wildcards, input):
    """(name, index prefix, mismatches) of every step, in cascade order."""
    first_files = input.indexes[:: len(BOWTIE_INDEX_SUFFIXES)]
    prefixes = [f[: -len(".1.ebwt")] for f in first_files]
    return [
        (step["name"], prefix, step["mismatches"])
        for step, prefix in zip(CASCADE, prefixes)
    ]


def isomir_rules(wildcards):
    """Tolerances of the assignment of hairpin alignments to mature arms."""
    return dict(config["smallrna"].get("isomir", {}))


def samples_of_class(rna_class):
    """Samples whose libraries measure an RNA class, in sheet order."""
    return samplesheet.samples_of(SAMPLES, LIBRARY_OF_CLASS[rna_class])


def get_class_samples(wildcards):
    """Samples of the RNA class of a count-matrix job."""
    return samples_of_class(wildcards.rna_class)


def get_mirna_sample_counts(wildcards):
    """Per-sample miRNA count tables, in sheet order."""
    return [f"results/smallrna/{s}/mirna_counts.tsv" for s in SMALL_SAMPLES]


def get_contrast(wildcards):
    """Config entry of one contrast."""
    return CONTRASTS[wildcards.contrast]


def get_de_samples(wildcards):
    """Samples of a DE job: the RNA class's libraries in the contrast's two levels."""
    contrast = CONTRASTS[wildcards.contrast]
    levels = {contrast["case"], contrast["control"]}
    return [
        s
        for s in samples_of_class(wildcards.rna_class)
        if SAMPLES.loc[s, contrast["variable"]] in levels
    ]


def get_contrast_tables(wildcards):
    """DE tables of every RNA class for one contrast."""
    return [f"results/de/{wildcards.contrast}/{c}.tsv" for c in RNA_CLASSES]


def get_contrast_context(wildcards):
    """Catalog context (drug_resistance or metastasis) of a contrast."""
    return CONTRASTS[wildcards.contrast]["context"]


def get_long_fastqs(wildcards):
    """Raw read files of a long-RNA sample: [R1] or [R1, R2]."""
    row = SAMPLES.loc[wildcards.sample]
    return (
        [row["fastq_1"], row["fastq_2"]]
        if wildcards.sample in PAIRED_SAMPLES
        else [row["fastq_1"]]
    )


def longrna_cutadapt_arguments(wildcards):
    """cutadapt options of long-RNA libraries (TruSeq adapters, quality, length)."""
    trim = config["longrna"]["trimming"]
    args = ["-a", trim["adapter_r1"]]
    if wildcards.sample in PAIRED_SAMPLES:
        args += ["-A", trim["adapter_r2"]]
    args += [
        "-q",
        str(trim["quality_cutoff"]),
        "--minimum-length",
        str(trim["min_length"]),
    ]
    return " ".join(args)


def get_trimmed_long_fastqs(wildcards):
    """Trimmed read files of a long-RNA sample, in mate order."""
    mates = ["R1", "R2"] if wildcards.sample in PAIRED_SAMPLES else ["R1"]
    return [f"results/trimmed/long/{wildcards.sample}_{m}.fastq.gz" for m in mates]


def star_sa_index_bases(wildcards, input):
    """STAR --genomeSAindexNbases for the genome size: min(14, log2(length)/2 - 1).

    The STAR manual's formula, on the genome length of the checked reference.
    """
    with open(input.chrom_sizes) as sizes:
        length = max(sum(int(line.split("\t")[1]) for line in sizes), 1)
    return max(4, min(14, int(math.log2(length) / 2 - 1)))


def star_index_memory(wildcards, attempt):
    """Memory of STAR genomeGenerate: ~10x the genome size, doubled on each retry."""
    size_mb = file_size_mb(config["longrna"]["genome"])
    return on_attempt(max(2000, 11 * size_mb), attempt)


def star_align_memory(wildcards, attempt):
    """Memory of STAR alignment: the index plus sorting buffers, doubled on each retry."""
    size_mb = file_size_mb(config["longrna"]["genome"])
    return on_attempt(max(4000, 10 * size_mb + 2000), attempt)


def star_prefix(wildcards, output):
    """STAR --outFileNamePrefix: partial names in the directory of the rule's outputs.

    STAR writes every file under this prefix (Aligned..., Chimeric.out.junction, its
    _STARtmp directory); the rule renames the declared outputs when STAR is done.
    """
    return str(Path(output[0]).parent / PARTIAL_PREFIX)


def star_chimeric_arguments(wildcards):
    """STAR options that report back-splice candidates in Chimeric.out.junction.

    Besides the configured chimeric segment lengths, the splice-overhang minimums of
    exocargo.circrna.STAR_SPLICE_OPTIONS stop a few bases of chance overlap across an
    annotated junction from outscoring the chimeric (back-spliced) alignment.
    """
    star = config["longrna"]["star"]
    return " ".join(
        [
            f"--chimSegmentMin {star['chim_segment_min']}",
            f"--chimJunctionOverhangMin {star['chim_junction_overhang_min']}",
            "--chimOutType Junctions --chimMultimapNmax 0",
            *circrna.STAR_SPLICE_OPTIONS,
        ]
    )


def star_rescue_arguments(wildcards):
    """Options of the second STAR run on the pairs the main run left unmapped.

    STAR sometimes pairs one mate with a chance 7-20 nt match of the other mate's piece
    across a back-splice and then rejects the chimera; realigning the unmapped pairs with
    a short mate gap and a longer seed recovers these fragments (see exocargo.circrna).
    """
    return " ".join([star_chimeric_arguments(wildcards), *circrna.STAR_RESCUE_OPTIONS])


def get_unmapped_mates(wildcards):
    """Reads the main STAR run left unmapped: mate1 and, for paired samples, mate2."""
    mates = ["mate1", "mate2"] if wildcards.sample in PAIRED_SAMPLES else ["mate1"]
    return [f"results/star/{wildcards.sample}/Unmapped.out.{m}" for m in mates]


def get_bsj_first_pass(wildcards):
    """First-pass back-splice tables of every long-RNA sample."""
    return [f"results/circrna/{s}.pass1.tsv" for s in LONG_SAMPLES]


def get_circrna_tables(wildcards):
    """Final per-sample circRNA tables, in sheet order."""
    return [f"results/circrna/{s}.bsj.tsv" for s in LONG_SAMPLES]


def known_circrnas(wildcards):
    """User BED of known circRNAs ([] when none is configured)."""
    known = config["circrna"]["known"]
    return [known] if known else []


def get_size_factor_counts(wildcards):
    """Matrix whose size factors normalise a class ([] = the class normalises itself).

    Long-RNA classes take the factors of all genes of their libraries, as a whole-
    transcriptome DESeq2 run would: a class with many DE members (or the sparse circRNA
    matrix) would bias its own median-of-ratios. miRNAs normalise themselves.
    """
    if LIBRARY_OF_CLASS[wildcards.rna_class] == "long":
        return ["results/counts/genes.tsv"]
    return []


def get_declared_strandedness(wildcards):
    """Strandedness given in the sheet for a sample, or '' to infer it."""
    if "strandedness" in SAMPLES.columns:
        return SAMPLES.loc[wildcards.sample, "strandedness"]
    return ""


def is_paired_sample(wildcards):
    """Whether a long-RNA sample is paired-end."""
    return wildcards.sample in PAIRED_SAMPLES


def get_featurecounts_tables(wildcards):
    """featureCounts tables of every long-RNA sample, in sheet order."""
    return [f"results/featurecounts/{s}.tsv" for s in LONG_SAMPLES]


SMALL_PATTERN = name_pattern(SMALL_SAMPLES)
LONG_PATTERN = name_pattern(LONG_SAMPLES)


def get_small_qc_inputs(wildcards):
    """Reports of one small-RNA sample that its QC metrics are read from."""
    sample = wildcards.sample
    inputs = {
        "cutadapt": f"results/trimmed/{sample}.cutadapt.json",
        "collapse": f"results/smallrna/{sample}/collapse.json",
        "collapsed": f"results/smallrna/{sample}/collapsed.fa",
        "biotypes": f"results/smallrna/{sample}/biotypes.tsv",
        "mirna_summary": f"results/smallrna/{sample}/mirna_summary.tsv",
    }
    if UMI:
        # umi_tools drops reads without adapter and UMI before cutadapt sees them.
        inputs["umi_log"] = f"logs/umi_extract/{sample}.log"
    return inputs


def get_long_qc_inputs(wildcards):
    """Reports of one long-RNA sample that its QC metrics are read from."""
    sample = wildcards.sample
    return {
        "cutadapt": f"results/trimmed/long/{sample}.cutadapt.json",
        "star_log": f"results/star/{sample}/Log.final.out",
        "featurecounts": f"results/featurecounts/{sample}.tsv.summary",
        "strandedness": f"results/star/{sample}/strandedness.json",
        "bsj": f"results/circrna/{sample}.bsj.tsv",
    }


def get_qc_metrics(wildcards):
    """Per-sample QC metrics of every sample, in sheet order."""
    return [f"results/qc/samples/{s}.json" for s in SAMPLES.index]


def get_qc_read_lengths(wildcards):
    """Read-length tables of the small-RNA samples, in sheet order."""
    return [f"results/qc/samples/{s}.read_lengths.tsv" for s in SMALL_SAMPLES]


def sample_libraries(wildcards):
    """Library type (small/long) of every sample, in sheet order."""
    return {s: SAMPLES.loc[s, "library"] for s in SAMPLES.index}


def get_multiqc_inputs(wildcards):
    """Tool reports MultiQC reads, grouped by tool, and the pipeline's QC table."""
    return {
        "cutadapt": [f"results/trimmed/{s}.cutadapt.json" for s in SMALL_SAMPLES]
        + [f"results/trimmed/long/{s}.cutadapt.json" for s in LONG_SAMPLES],
        "bowtie": [
            f"results/smallrna/{s}/bowtie/{s}.{step}.log"
            for s in SMALL_SAMPLES
            for step in CASCADE_NAMES
        ],
        "star": [f"results/star/{s}/Log.final.out" for s in LONG_SAMPLES],
        "featurecounts": [
            f"results/featurecounts/{s}.tsv.summary" for s in LONG_SAMPLES
        ],
        "samtools": [f"results/qc/samtools/{s}.stats" for s in LONG_SAMPLES],
        "qc_table": "results/qc/samples.tsv",
        "composition": "results/qc/composition_reads.tsv",
    }


def multiqc_outdir(wildcards, output):
    """MultiQC --outdir: the directory of the declared report."""
    return str(Path(output.html).parent)


from snakemake import __version__ as SNAKEMAKE_VERSION

CONDITIONS = [c for c in SAMPLES.columns if c not in samplesheet.RESERVED_COLUMNS]
DE_PAIRS = [
    (contrast, rna_class) for contrast in CONTRASTS for rna_class in RNA_CLASSES
]

# Version query of the tools in each conda environment of workflow/envs; awk reads all of
# a tool's output (no early pipe close that pipefail would report).
VERSION_COMMANDS = {
    "cutadapt": {"cutadapt": "cutadapt --version"},
    "bowtie": {
        "bowtie": "bowtie --version | awk 'NR == 1 {print $NF}'",
        "samtools": "samtools --version | awk 'NR == 1 {print $2}'",
    },
    "umi_tools": {"umi_tools": "umi_tools --version | awk '{print $NF}'"},
    "star": {"STAR": "STAR --version"},
    "subread": {"featureCounts": "featureCounts -v 2>&1 | awk 'NF {print $2}'"},
    "multiqc": {"multiqc": "multiqc --version | awk '{print $NF}'"},
}


def version_envs():
    """Conda environments of the command-line tools this run uses."""
    envs = {"multiqc"}
    if SMALL_SAMPLES:
        envs |= {"cutadapt", "bowtie"}
        if UMI:
            envs.add("umi_tools")
    if LONG_SAMPLES:
        # samtools (stats of the STAR BAMs) comes from the bowtie environment
        envs |= {"cutadapt", "bowtie", "star", "subread"}
    return sorted(envs)


def version_command(wildcards):
    """Shell lines printing 'tool<TAB>version' for each tool of one environment."""
    return "; ".join(
        f"printf '%s\\t%s\\n' {tool} \"$({command})\""
        for tool, command in VERSION_COMMANDS[wildcards.env].items()
    )


def get_tool_versions(wildcards):
    """Version tables of every tool environment the run uses."""
    return [f"results/versions/{env}.tsv" for env in version_envs()]


def get_all_cargo_tables(wildcards):
    """Cargo tables of every contrast, in config order."""
    return [f"results/cargo/{contrast}.tsv" for contrast in CONTRASTS]


def get_report_inputs(wildcards):
    """Everything the HTML report shows; DE files in DE_PAIRS order."""
    return {
        "samples": SAMPLE_SHEET,
        "qc_table": "results/qc/samples.tsv",
        "composition": "results/plots/qc/composition.png",
        "lengths": "results/plots/qc/read_lengths.png",
        "multiqc": "results/multiqc/multiqc_report.html",
        "versions": "results/versions.tsv",
        "pca": [f"results/plots/{k}/pca.png" for k in RNA_CLASSES],
        "distances": [f"results/plots/{k}/sample_distances.png" for k in RNA_CLASSES],
        "cargo_heatmaps": [f"results/plots/{k}/cargo_heatmap.png" for k in RNA_CLASSES],
        "de_tables": [f"results/de/{c}/{k}.tsv" for c, k in DE_PAIRS],
        "volcanos": [f"results/plots/{k}/{c}.volcano.png" for c, k in DE_PAIRS],
        "ma_plots": [f"results/plots/{k}/{c}.ma.png" for c, k in DE_PAIRS],
        "cargo": get_all_cargo_tables(wildcards),
    }


def report_template(wildcards):
    """The Jinja2 template of the HTML report, shipped with the workflow."""
    return workflow.source_path("../report/report.html.j2")
