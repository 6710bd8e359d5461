"""The run plan: config and sample sheet turned into one checked description of the run.

``load`` is what the workflow runs at parse time (workflow/rules/common.smk): it validates
the config against its schema (filling in the defaults), reads and checks the sample sheet
and the contrasts, checks the reference files and the small-RNA cascade, and returns a
frozen ``Plan``: which libraries there are, of which type and layout, which RNA classes the
run measures, which contrasts it tests on which samples, the cascade steps, the reference
files, the tool arguments and the memory each heavy job needs. Every error is raised here,
before Snakemake schedules any job, with a message that names the file and what to change.

The Snakemake files only read paths and values off the plan; everything that decides lives
here and is tested without Snakemake (tests/test_plan.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import pandas as pd

from exocargo import configcheck, downloads, samplesheet, star, trimming, versions
from exocargo.references import plain_size_mb

# Which library type measures each RNA class, in the order the classes are reported.
LIBRARY_OF_CLASS = MappingProxyType(
    {"mirna": "small", "lncrna": "long", "mrna": "long", "circrna": "long"}
)
# The cascade step whose reference is the miRBase hairpin file.
MIRNA_STEP = "miRNA"
# featureCounts: exon reads summed by gene; the strandedness (-s) is inferred per library
# when its job runs. Paired libraries count fragments, not reads: both mates once, only
# when both aligned, on the same chromosome and strand.
FEATURECOUNTS_ARGUMENTS = ("-t", "exon", "-g", "gene_id")
FEATURECOUNTS_PAIRED = ("-p", "--countReadPairs", "-B", "-C")
# One read file per mate of a sample sequenced on several units (lanes, runs): its units'
# files concatenated in sheet order (rule merge_units), what its trimming reads.
MERGED_FASTQ = "results/merged/{sample}_{mate}.fastq.gz"
SCHEMA_DIR = Path("workflow") / "schemas"
# Memory sizing of a genome given by URL and not yet downloaded: a human primary assembly.
UNKNOWN_GENOME_MB = 3100
# STAR's SA pre-index (SAindex) of a human genome, --genomeSAindexNbases 14.
STAR_SA_INDEX_MB = 1500
# Files of a bowtie index, after its prefix.
BOWTIE_INDEX_SUFFIXES = ("1.ebwt", "2.ebwt", "3.ebwt", "4.ebwt", "rev.1.ebwt", "rev.2.ebwt")


class PlanError(ValueError):
    """A config or sheet that cannot be run; the message says what to change."""


@dataclass(frozen=True)
class CascadeStep:
    """One bowtie step of the small-RNA cascade."""

    name: str
    source: str  # reference FASTA (the miRBase hairpins for the miRNA step)
    mismatches: int  # bowtie -v
    species: str  # miRBase species kept in the reference (miRNA step), else ""


@dataclass(frozen=True)
class Memory:
    """Memory (MB) of the heavy jobs at their first attempt, from the reference sizes."""

    quantify_smallrna: int
    bowtie_index: Mapping[str, int]  # by cascade step
    star_index: int
    star_align: int


@dataclass(frozen=True)
class Plan:
    """Everything the workflow decides before it runs, read off config and sheet."""

    config: Mapping[str, Any]
    sheet_path: str
    sheet: pd.DataFrame = field(repr=False, compare=False)  # one row per sample
    units: Mapping[str, tuple[samplesheet.Unit, ...]]  # sample -> its lanes/runs, in order
    small: tuple[str, ...]
    long: tuple[str, ...]
    paired: tuple[str, ...]
    rna_classes: tuple[str, ...]
    conditions: tuple[str, ...]
    contrasts: Mapping[str, Mapping[str, Any]]
    cascade: tuple[CascadeStep, ...]
    references: Mapping[str, str]  # config key -> local file the run reads (cache for URLs)
    downloads: Mapping[str, downloads.Source]  # cache file name -> its URL and checksum
    cache: str  # references_cache: where URLs are downloaded
    umi: bool
    umi_pattern: str  # umi_tools regex of the protocol ("" without UMI)
    cutadapt_small: tuple[str, ...]
    isomir: Mapping[str, int]  # tolerances of mature-arm assignment (mirna.IsomirRules)
    memory: Memory

    @property
    def samples(self) -> tuple[str, ...]:
        """Every sample, in sheet order."""
        return tuple(self.sheet.index)

    @property
    def single(self) -> tuple[str, ...]:
        """Single-end long-RNA samples."""
        return tuple(s for s in self.long if s not in self.paired)

    @property
    def merged(self) -> tuple[str, ...]:
        """Samples with several units, whose reads are merged before trimming."""
        return tuple(s for s in self.samples if len(self.units[s]) > 1)

    @property
    def cascade_names(self) -> tuple[str, ...]:
        """Cascade step names, in cascade order."""
        return tuple(step.name for step in self.cascade)

    @property
    def de_pairs(self) -> tuple[tuple[str, str], ...]:
        """(contrast, RNA class) of every DE test, contrasts in config order."""
        return tuple((c, k) for c in self.contrasts for k in self.rna_classes)

    @property
    def tool_envs(self) -> list[str]:
        """Conda environments of the command-line tools this run uses."""
        return versions.tool_envs(bool(self.small), bool(self.long), self.umi)

    @property
    def known_circrnas(self) -> list[str]:
        """The user's BED of known circRNAs, as a list ([] when none is configured)."""
        known = self.references.get("circrna.known")
        return [known] if known else []

    def reference(self, key: str) -> str:
        """Local file of a reference key (its cache file when the config gives a URL)."""
        return self.references[key]

    def download(self, name: str) -> dict[str, str]:
        """URL and checksum of one file of the cache, by its cache name: {url, algorithm,
        digest} (plain strings, as a rule's params)."""
        source = self.downloads[name]
        return {"url": source.location, "algorithm": source.algorithm, "digest": source.digest}

    @property
    def lock_file(self) -> str:
        """The cache's record of the checksums of downloads made without one."""
        return str(Path(self.cache) / downloads.LOCK_FILE)

    def step(self, name: str) -> CascadeStep:
        """The cascade step called ``name``."""
        return next(step for step in self.cascade if step.name == name)

    def samples_of_class(self, rna_class: str) -> list[str]:
        """Samples whose libraries measure an RNA class, in sheet order."""
        return self.small_or_long(LIBRARY_OF_CLASS[rna_class])

    def small_or_long(self, library: str) -> list[str]:
        """Samples of one library type ('small' or 'long'), in sheet order."""
        return list(self.small if library == "small" else self.long)

    def de_samples(self, contrast: str, rna_class: str) -> list[str]:
        """Libraries of an RNA class in the two levels a contrast compares."""
        entry = self.contrasts[contrast]
        levels = {entry["case"], entry["control"]}
        return [s for s in self.samples_of_class(rna_class)
                if self.sheet.loc[s, entry["variable"]] in levels]

    def size_factor_counts(self, rna_class: str) -> list[str]:
        """Matrix whose size factors normalise a class ([]: the class normalises itself).

        Long-RNA classes take the factors of all genes of their libraries, as a whole-
        transcriptome DESeq2 run would: a class with many DE members (or the sparse circRNA
        matrix) would bias its own median-of-ratios. miRNAs normalise themselves.
        """
        if LIBRARY_OF_CLASS[rna_class] == "long":
            return ["results/counts/genes.tsv"]
        return []

    def is_paired(self, sample: str) -> bool:
        """Whether a long-RNA library is paired-end."""
        return sample in self.paired

    def mates(self, sample: str) -> list[str]:
        """Mate labels of a long-RNA library: ['R1'] or ['R1', 'R2']."""
        return ["R1", "R2"] if self.is_paired(sample) else ["R1"]

    def fastqs(self, sample: str) -> list[str]:
        """Read files a sample's trimming starts from, in mate order: the files the sheet
        gives for a one-unit sample, its units merged (MERGED_FASTQ) for several units."""
        units = self.units[sample]
        if len(units) == 1:
            return list(units[0].fastqs)
        return [MERGED_FASTQ.format(sample=sample, mate=m) for m in self.mates(sample)]

    def unit_fastqs(self, sample: str, mate: str) -> list[str]:
        """One mate's read files of every unit of a sample, in sheet order."""
        index = self.mates(sample).index(mate)
        return [unit.fastqs[index] for unit in self.units[sample]]

    def declared_strandedness(self, sample: str) -> str:
        """Strandedness the sheet declares for a sample, or '' to infer it."""
        return self.sheet.loc[sample].get("strandedness", "") or ""

    def cutadapt_long(self, sample: str) -> str:
        """cutadapt options of a long-RNA library (TruSeq adapters, quality, length)."""
        trim = self.config["longrna"]["trimming"]
        args = ["-a", trim["adapter_r1"]]
        if self.is_paired(sample):
            args += ["-A", trim["adapter_r2"]]
        args += ["-q", str(trim["quality_cutoff"]), "--minimum-length", str(trim["min_length"])]
        return " ".join(args)

    def featurecounts_pairs(self, sample: str) -> list[str]:
        """featureCounts options of a library's layout: FEATURECOUNTS_PAIRED or none."""
        return list(FEATURECOUNTS_PAIRED) if self.is_paired(sample) else []

    def star_chimeric(self) -> str:
        """STAR options of the main alignment that report back-splice candidates."""
        return " ".join(star.chimeric_options(**self._chimeric_settings()))

    def star_rescue(self) -> str:
        """STAR options of the second run on the pairs the main run left unmapped."""
        return " ".join(star.rescue_options(**self._chimeric_settings()))

    def _chimeric_settings(self) -> dict[str, int]:
        settings = self.config["longrna"]["star"]
        return {key: settings[key] for key in ("chim_segment_min", "chim_junction_overhang_min")}

    def all_outputs(self) -> list[str]:
        """Final targets: count matrices, DE tables, cargo tables, QC and the report."""
        targets = [
            f"results/counts/{rna_class}{kind}.tsv"
            for rna_class in self.rna_classes
            for kind in ("", ".cpm") + ((".per_million_mirna",) if rna_class == "mirna" else ())
        ]
        targets += [
            "results/cargo/detected.tsv",
            "results/qc/samples.tsv",
            "results/multiqc/multiqc_report.html",
            "results/versions.tsv",
            "results/report.html",
        ]
        for contrast in self.contrasts:
            targets += [f"results/de/{contrast}/{k}.tsv" for k in self.rna_classes]
            if self.rna_classes:
                targets.append(f"results/cargo/{contrast}.tsv")
        return targets


def load(
    config: dict[str, Any], basedir: str | Path = ".", configfiles: Sequence = ()
) -> Plan:
    """Check ``config`` (filling in its schema defaults in place) and its sample sheet, and
    return the run plan. Raises a ValueError subclass naming the file and what to change."""
    schemas = Path(basedir) / SCHEMA_DIR
    configcheck.check_config(
        config, schemas / "config.schema.yaml", configcheck.config_source(configfiles)
    )
    sheet_path = config["samples"]
    checked = samplesheet.load_sheet(sheet_path, schemas / "samples.schema.yaml")
    sheet = checked.samples
    small = samplesheet.samples_of(sheet, "small")
    long = samplesheet.samples_of(sheet, "long")
    _check_longrna_section(config, sheet_path, long)
    contrasts = config["diffexp"]["contrasts"]
    samplesheet.validate_contrasts(contrasts, sheet, sheet_path, "config diffexp.contrasts")
    cache = config["references_cache"]
    cascade = cascade_steps(config["smallrna"], cache)
    sources = reference_sources(config, bool(long))
    references = {key: local_path(src, cache) for key, src in sources.items()}
    _check_reference_files(
        [(key, path) for key, path in references.items() if not sources[key].is_url]
    )
    protocol = config["trimming"]["protocol"]
    umi = trimming.uses_umi(protocol)
    return Plan(
        config=config,
        sheet_path=sheet_path,
        sheet=sheet,
        units=checked.units,
        small=tuple(small),
        long=tuple(long),
        paired=tuple(s for s in long if samplesheet.is_paired(sheet, s)),
        rna_classes=rna_classes(bool(small), bool(long)),
        conditions=tuple(samplesheet.condition_columns(sheet)),
        contrasts=contrasts,
        cascade=cascade,
        references=MappingProxyType(references),
        downloads=MappingProxyType(
            {downloads.cache_name(s.location): s for s in sources.values() if s.is_url}
        ),
        cache=cache,
        umi=umi,
        umi_pattern=trimming.umi_regex(protocol) if umi else "",
        cutadapt_small=tuple(trimming.cutadapt_arguments(**config["trimming"])),
        isomir=dict(config["smallrna"].get("isomir", {})),
        memory=memory_estimates(config, cascade, references.get("longrna.genome")),
    )


def _check_longrna_section(config: Mapping, sheet_path: str, long: list[str]) -> None:
    if long and "longrna" not in config:
        raise PlanError(
            f"{sheet_path} has long-RNA samples ({', '.join(long[:3])}, ...) but the "
            "config has no 'longrna' section (genome, gtf, ...); see config/README.md"
        )


def rna_classes(has_small: bool, has_long: bool) -> tuple[str, ...]:
    """RNA classes the run measures, given which library types the sheet has."""
    present = {"small": has_small, "long": has_long}
    return tuple(k for k, library in LIBRARY_OF_CLASS.items() if present[library])


def cascade_steps(
    smallrna: Mapping[str, Any], cache: str = downloads.DEFAULT_CACHE
) -> tuple[CascadeStep, ...]:
    """The configured cascade as steps; exactly one miRNA step, unique names, and a FASTA
    for every other step (its local file: the cache file of a URL). (The schema has filled
    in each step's ``mismatches``.)"""
    steps = smallrna["cascade"]
    names = [step["name"] for step in steps]
    if names.count(MIRNA_STEP) != 1:
        raise PlanError(
            "config smallrna.cascade: exactly one step must be named miRNA (the miRBase "
            f"hairpin step); found {names}"
        )
    if len(set(names)) != len(names):
        raise PlanError(f"config smallrna.cascade: step names must be unique: {names}")
    for number, step in enumerate(steps, start=1):
        if step["name"] != MIRNA_STEP and "fasta" not in step:
            raise PlanError(
                f"config smallrna.cascade step {number} ({step['name']}): 'fasta' is required"
            )
    mirbase = smallrna["mirbase"]
    return tuple(
        CascadeStep(
            name=step["name"],
            source=local_path(
                downloads.source(
                    mirbase["hairpin"] if step["name"] == MIRNA_STEP else step["fasta"]
                ),
                cache,
            ),
            mismatches=step["mismatches"],
            species=mirbase["species"] if step["name"] == MIRNA_STEP else "",
        )
        for step in steps
    )


def reference_sources(config: Mapping[str, Any], has_long: bool) -> dict[str, downloads.Source]:
    """Where every reference file the run reads comes from (a path, or a URL with its
    checksum), by config key."""
    smallrna = config["smallrna"]
    mirbase = smallrna["mirbase"]
    values = {f"smallrna.mirbase.{key}": mirbase[key] for key in ("hairpin", "mature", "gff")}
    values.update(
        (f"smallrna.cascade[{step['name']}].fasta", step["fasta"])
        for step in smallrna["cascade"]
        if step["name"] != MIRNA_STEP
    )
    values["cargo.catalog"] = config["cargo"]["catalog"]
    values["report.multiqc_config"] = config["report"]["multiqc_config"]
    if has_long:
        values.update((f"longrna.{key}", config["longrna"][key]) for key in ("genome", "gtf"))
        if config.get("circrna", {}).get("known"):
            values["circrna.known"] = config["circrna"]["known"]
    return {key: downloads.source(value) for key, value in values.items()}


def local_path(source: downloads.Source, cache: str) -> str:
    """The file the run reads for a reference: its path, or its URL's file in the cache."""
    return downloads.cache_path(cache, source.location) if source.is_url else source.location


def _check_reference_files(files: Sequence[tuple[str, str]]) -> None:
    missing = [f"{key}: {path}" for key, path in files if not Path(path).is_file()]
    if missing:
        raise PlanError(
            "reference file(s) named in the config do not exist:\n  "
            + "\n  ".join(missing)
            + "\nfix the paths in the config (they are relative to the working directory)"
        )


def memory_estimates(
    config: Mapping[str, Any], cascade: Sequence[CascadeStep], genome: str | None
) -> Memory:
    """First-attempt memory of the heavy jobs, from the sizes of the reference files.

    - bowtie-build: 4 bytes per reference base, at least 4 GB (sized on the configured
      FASTA, its plain size when gzipped; for the miRNA step the hairpin file, which may
      hold more species than are indexed);
    - a small-RNA library's job: every cascade step's bowtie runs at once, each holding its
      index (about the size of its FASTA), plus room for the distinct sequences and cutadapt;
    - STAR: ``star_memory`` of the genome's plain size (estimated when the file is gzipped:
      exocargo.references.plain_size_mb) and ``longrna.star.sa_sparse``.

    ``genome`` is the long-RNA genome the run reads (None without long-RNA libraries). A
    reference given by URL and not yet downloaded has no size yet: a cascade FASTA then
    counts as empty (the floors apply; retries double the memory), the genome as
    ``UNKNOWN_GENOME_MB``, a human genome, so that the first run asks for enough.
    """
    sizes = {step.name: _size_mb(step.source, plain_size_mb, 0.0) for step in cascade}
    genome_mb = _size_mb(genome, plain_size_mb, UNKNOWN_GENOME_MB) if genome else 0.0
    sa_sparse = config.get("longrna", {}).get("star", {}).get("sa_sparse", 1)
    star_index, star_align = star_memory(genome_mb, sa_sparse)
    return Memory(
        quantify_smallrna=int(max(2048, sum(sizes.values()) + 1000)),
        bowtie_index=MappingProxyType(
            {name: int(max(4096, 4 * size)) for name, size in sizes.items()}
        ),
        star_index=star_index,
        star_align=star_align,
    )


def _size_mb(path: str, measure, unknown: float) -> float:
    return measure(path) if Path(path).is_file() else unknown


def star_memory(genome_mb: float, sa_sparse: int = 1) -> tuple[int, int]:
    """(genomeGenerate, alignment) memory in MB for a genome of ``genome_mb`` MB (plain).

    STAR holds the genome (1 byte/base) and the suffix array (8 bytes/base, divided by
    ``--genomeSAsparseD``): A. Dobin's rule, "~L*(1+8/N) GB for an L-Gbase genome"
    (STAR issue #124), plus the SA pre-index (1.5 GB for a human genome) and 2 GB of
    buffers (STAR issue #1063: RAM is Genome + SA + SAindex + ~2e9 bytes). genomeGenerate
    also holds the suffix-array chunks it sorts: one byte per base more, which gives the
    ~32 GB the STAR manual asks for a human genome at N=1 and stays under the 24 GB Dobin
    says a human genome needs with N=2 (STAR issue #266). Floors: 2 GB and 4 GB.
    """
    index = genome_mb * (1 + 8 / sa_sparse) + min(STAR_SA_INDEX_MB, genome_mb / 2) + 2000
    return int(max(2000, index + genome_mb)), int(max(4000, index))


def on_attempt(memory_mb: int, attempt: int) -> int:
    """Memory of a job's ``attempt``-th try: doubled on each retry, so that a job killed
    for memory (on a cluster, or under --resources mem_mb) gets more next time."""
    return int(memory_mb * 2 ** (attempt - 1))


def genome_length(chrom_sizes: str | Path) -> int:
    """Total length of a genome from its chrom.sizes table (name<TAB>length)."""
    with open(chrom_sizes) as sizes:
        return sum(int(line.split("\t")[1]) for line in sizes if line.strip())


def star_sa_index_nbases(chrom_sizes: str | Path) -> int:
    """STAR --genomeSAindexNbases for the checked genome (see exocargo.star)."""
    return star.sa_index_nbases(genome_length(chrom_sizes))


def name_pattern(names: Sequence[str]) -> str:
    """Regex matching exactly the given names (never matching when there are none)."""
    return "|".join(re.escape(n) for n in names) or "(?!x)x"


def workflow_file(basedir: str | Path, relative: str) -> str:
    """Path of a file of workflow/ as rules should name it: relative to the working
    directory when the workflow lies below it (a project moved with its results then
    keeps the same paths, and reruns nothing), absolute otherwise."""
    path = Path(basedir, "workflow", relative).resolve()
    if path.is_relative_to(Path.cwd().resolve()):
        return os.path.relpath(path)
    return str(path)
