# Validation of config and sample sheet, wildcard constraints and every input function.
# Runs at parse time: a bad sheet or config stops here, before any job is scheduled.

import re
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from exocargo import samplesheet, trimming  # noqa: E402

validate(config, schema="../schemas/config.schema.yaml")

SAMPLE_SHEET = config["samples"]
SAMPLES = samplesheet.validate_sheet(
    SAMPLE_SHEET,
    Path(workflow.basedir) / "workflow" / "schemas" / "samples.schema.yaml",
)
SMALL_SAMPLES = samplesheet.samples_of(SAMPLES, "small")
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

RNA_CLASSES = ["mirna"] if SMALL_SAMPLES else []
LIBRARY_OF_CLASS = {"mirna": "small"}


wildcard_constraints:
    sample="|".join(re.escape(s) for s in SAMPLES.index),
    contrast="|".join(re.escape(c) for c in CONTRASTS),
    rna_class="|".join(RNA_CLASSES) or "none",
    step="|".join(CASCADE_NAMES),


def all_outputs():
    """Final targets: count matrices, DE tables and plots, cargo tables."""
    targets = [f"results/counts/{rna_class}.tsv" for rna_class in RNA_CLASSES]
    for contrast in CONTRASTS:
        for rna_class in RNA_CLASSES:
            targets += [
                f"results/de/{contrast}/{rna_class}.tsv",
                f"results/de/{contrast}/{rna_class}.volcano.png",
                f"results/de/{contrast}/{rna_class}.ma.png",
            ]
        if RNA_CLASSES:
            targets.append(f"results/cargo/{contrast}.tsv")
    return targets


def get_raw_fastq(wildcards):
    """First read file of a sample as given in the sheet."""
    return SAMPLES.loc[wildcards.sample, "fastq_1"]


def get_trim_input(wildcards):
    """Reads to trim: UMI-extracted reads for UMI protocols, raw reads otherwise."""
    if UMI:
        return f"results/umi/{wildcards.sample}.fastq.gz"
    return get_raw_fastq(wildcards)


def cutadapt_arguments(wildcards):
    """cutadapt options of the configured small-RNA protocol."""
    return " ".join(trimming.cutadapt_arguments(**config["trimming"]))


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


def index_prefix(wildcards, output):
    """bowtie-build prefix derived from the declared index files."""
    return output[0][: -len(".1.ebwt")]


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
