"""The run plan (exocargo.plan) on the demo config and on configs and sheets that cannot run.

Every error the workflow raises at parse time is raised by ``plan.load``; these tests call
it directly, without Snakemake, from the repository root (config paths are relative to the
working directory, as in a run).
"""

import copy
from pathlib import Path

import pytest
import yaml

from exocargo import plan, samplesheet, star
from exocargo.configcheck import ConfigError
from exocargo.samplesheet import SampleSheetError

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
SHEET_LINES = (REPO / "config" / "samples.tsv").read_text().splitlines()


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def demo_config(**changes):
    """A deep copy of the demo config with top-level sections replaced."""
    config = copy.deepcopy(DEMO_CONFIG)
    config.update(copy.deepcopy(changes))
    return config


def load(config, configfiles=("config/config.yaml",)):
    return plan.load(config, REPO, configfiles)


def refusal(config) -> str:
    with pytest.raises(ValueError) as raised:
        load(config)
    return str(raised.value)


def write_sheet(tmp_path, lines, name="samples.tsv") -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def demo_plan():
    return plan.load(copy.deepcopy(DEMO_CONFIG), REPO, ["config/config.yaml"])


# --- the demo's plan -------------------------------------------------------------------


def test_demo_plan_has_both_library_types_and_every_class(demo_plan):
    assert len(demo_plan.small) == 12 and len(demo_plan.long) == 12
    assert demo_plan.paired == demo_plan.long and demo_plan.single == ()
    assert demo_plan.rna_classes == ("mirna", "lncrna", "mrna", "circrna")
    assert demo_plan.conditions == ("resistance", "metastasis", "batch")
    assert demo_plan.cascade_names == ("rRNA", "miRNA", "tRNA", "YRNA")
    assert not demo_plan.umi and demo_plan.umi_pattern == ""


def test_reference_files_by_config_key(demo_plan):
    references = demo_plan.references
    assert references["longrna.genome"] == "resources/demo/longrna/genome.fa"
    assert references["smallrna.cascade[rRNA].fasta"].endswith("rrna.fa")
    assert "smallrna.cascade[miRNA].fasta" not in references  # the hairpins stand there
    assert references["circrna.known"] == "resources/demo/longrna/circrna.bed"


def test_schema_defaults_are_filled_in(demo_plan):
    # the demo config leaves these out; the schema's defaults stand in
    assert demo_plan.config["longrna"]["star"]["chim_segment_min"] == 10
    assert demo_plan.config["qc"]["fail"]["min_annotated_reads"] == 10000


def test_mirna_step_reads_the_hairpins_with_the_species_filter(demo_plan):
    mirna = demo_plan.step("miRNA")
    assert mirna.source == DEMO_CONFIG["smallrna"]["mirbase"]["hairpin"]
    assert (mirna.species, mirna.mismatches) == ("hsa", 2)
    rrna = demo_plan.step("rRNA")
    assert (rrna.species, rrna.mismatches) == ("", 1)


def test_a_contrast_without_context_speaks_to_no_catalog_setting():
    config = demo_config()
    del config["diffexp"]["contrasts"]["resistant_vs_sensitive"]["context"]
    assert load(config).contrasts["resistant_vs_sensitive"]["context"] == "other"


def test_no_contrasts_is_a_counts_only_run():
    config = demo_config()
    del config["diffexp"]
    run = load(config)
    assert run.contrasts == {} and run.de_pairs == ()
    assert not any(t.startswith("results/de/") for t in run.all_outputs())
    assert "results/cargo/detected.tsv" in run.all_outputs()


def test_mismatches_default_comes_from_the_schema(tmp_path):
    config = demo_config()
    del config["smallrna"]["cascade"][0]["mismatches"]
    assert load(config).step("rRNA").mismatches == 1


def test_de_samples_are_the_class_libraries_in_the_two_levels(demo_plan):
    samples = demo_plan.de_samples("resistant_vs_sensitive", "mirna")
    assert samples == list(demo_plan.small)
    assert all(s.startswith("L") for s in demo_plan.de_samples("resistant_vs_sensitive",
                                                               "circrna"))
    assert demo_plan.de_pairs[:2] == (("resistant_vs_sensitive", "mirna"),
                                      ("resistant_vs_sensitive", "lncrna"))


def test_long_classes_normalise_by_all_genes(demo_plan):
    assert demo_plan.size_factor_counts("circrna") == ["results/counts/genes.tsv"]
    assert demo_plan.size_factor_counts("mirna") == []


def test_outputs_cover_every_class_and_contrast(demo_plan):
    outputs = demo_plan.all_outputs()
    assert "results/counts/circrna.tsv" in outputs
    assert "results/de/metastatic_vs_localized/lncrna.tsv" in outputs
    assert "results/cargo/resistant_vs_sensitive.tsv" in outputs
    assert "results/report.html" in outputs


def test_tool_arguments(demo_plan):
    assert demo_plan.cutadapt_small[:2] == ("-a", "TGGAATTCTCGGGTGCCAAGG")
    sample = demo_plan.long[0]
    assert demo_plan.cutadapt_long(sample).startswith("-a AGATCGGAAGAGCACACGTCTGAACTCCAGTCA -A ")
    assert demo_plan.star_chimeric().startswith("--chimSegmentMin 10 --chimJunctionOverhangMin 10")
    assert demo_plan.star_rescue().endswith("--alignMatesGapMax 1000 --seedMapMin 20 "
                                           "--outSAMtype None")


def test_memory_scales_with_the_references(demo_plan):
    memory = demo_plan.memory
    assert memory.quantify_smallrna == 2048  # small demo references: the floor
    assert set(memory.bowtie_index) == set(demo_plan.cascade_names)
    # the demo genome is tiny: 2 GB of buffers for genomeGenerate, the 4 GB floor
    assert 2000 < memory.star_index < 2100 and memory.star_align == 4000
    assert plan.on_attempt(memory.star_align, 3) == 16000


def test_star_index_size_follows_the_manual(tmp_path):
    sizes = tmp_path / "genome.chrom_sizes"
    sizes.write_text("chr1\t3000000000\n")
    assert plan.star_sa_index_nbases(sizes) == 14  # human: the manual's default
    sizes.write_text("chr1\t1000000\nchr2\t48576\n")  # 2^20 bases
    assert plan.star_sa_index_nbases(sizes) == 9
    assert star.sa_index_nbases(10) == 4  # never below 4


def test_small_rna_only_sheet_needs_no_longrna_section(tmp_path):
    sheet = write_sheet(tmp_path, SHEET_LINES[:13])
    config = demo_config(samples=sheet)
    del config["longrna"]
    small_only = load(config)
    assert small_only.rna_classes == ("mirna",) and small_only.long == ()
    assert "results/counts/circrna.tsv" not in small_only.all_outputs()
    assert small_only.tool_envs == ["bowtie", "cutadapt", "multiqc"]


def test_single_end_long_libraries(tmp_path):
    header, rows = SHEET_LINES[0], SHEET_LINES[13:]
    single = [row.split("\t") for row in rows]
    for fields in single[:2]:
        fields[3] = ""  # no fastq_2
    sheet = write_sheet(tmp_path, [header] + ["\t".join(f) for f in single])
    run = load(demo_config(samples=sheet))
    assert run.single == run.long[:2]
    assert run.mates(run.long[0]) == ["R1"] and run.mates(run.long[2]) == ["R1", "R2"]
    assert " -A " not in run.cutadapt_long(run.long[0])
    assert run.featurecounts_pairs(run.long[0]) == []
    assert run.featurecounts_pairs(run.long[2]) == ["-p", "--countReadPairs", "-B", "-C"]


# --- every error the workflow raises before any job -----------------------------------


def test_config_problems_are_listed_with_the_config_files():
    config = demo_config()
    config["trimming"]["max_length"] = "long"
    config["colour"] = "blue"
    message = refusal(config)
    assert message.startswith("config (config/config.yaml, --config values) has 2 problem(s)")
    assert "trimming.max_length: 'long' is not of type 'integer'" in message
    assert "(top level): unknown key(s) colour; allowed: cargo," in message
    with pytest.raises(ConfigError):
        load(config)


def test_missing_sheet():
    message = refusal(demo_config(samples="config/no_such_sheet.tsv"))
    assert "sample sheet config/no_such_sheet.tsv does not exist; set `samples:`" in message


def test_bad_sheet_row(tmp_path):
    fields = SHEET_LINES[1].split("\t")
    fields[0] = "x;rm -rf y"
    sheet = write_sheet(tmp_path, [SHEET_LINES[0], "\t".join(fields)] + SHEET_LINES[2:])
    with pytest.raises(SampleSheetError) as raised:
        load(demo_config(samples=sheet))
    assert "line 2, column 'sample': value 'x;rm -rf y' is not allowed" in str(raised.value)


def test_long_samples_without_longrna_section():
    config = demo_config()
    del config["longrna"]
    message = refusal(config)
    assert "has long-RNA samples (L01_res_met, L02_res_met, L03_res_met, ...) but the " \
           "config has no 'longrna' section" in message


def test_contrast_that_cannot_be_tested():
    config = demo_config()
    config["diffexp"]["contrasts"] = {
        "bad": {"variable": "response", "case": "yes", "control": "no",
                "context": "drug_resistance"}
    }
    message = refusal(config)
    assert "contrasts cannot be tested" in message
    assert "contrast 'bad': variable 'response' is not a column of" in message


@pytest.mark.parametrize(
    "cascade, expected",
    [
        ([{"name": "rRNA", "fasta": "resources/demo/reference/contaminants/rrna.fa"}],
         "exactly one step must be named miRNA (the miRBase hairpin step); found ['rRNA']"),
        ([{"name": "miRNA"}, {"name": "miRNA"}],
         "exactly one step must be named miRNA"),
        ([{"name": "miRNA"}, {"name": "tRNA", "fasta": "resources/demo/reference/"
                                                      "contaminants/trna.fa"},
          {"name": "tRNA", "fasta": "resources/demo/reference/contaminants/trna.fa"}],
         "step names must be unique: ['miRNA', 'tRNA', 'tRNA']"),
        ([{"name": "miRNA"}, {"name": "piRNA"}],
         "config smallrna.cascade step 2 (piRNA): 'fasta' is required"),
    ],
)
def test_cascade_errors(cascade, expected):
    config = demo_config()
    config["smallrna"]["cascade"] = cascade
    assert expected in refusal(config)


def test_missing_reference_files():
    config = demo_config()
    config["cargo"] = {"catalog": "resources/no_such_catalog.tsv"}
    config["longrna"]["gtf"] = "resources/demo/longrna/no_such.gtf"
    message = refusal(config)
    assert "reference file(s) named in the config do not exist" in message
    assert "cargo.catalog: resources/no_such_catalog.tsv" in message
    assert "longrna.gtf: resources/demo/longrna/no_such.gtf" in message
    assert "fix the paths in the config (they are relative to the working directory)" in message


@pytest.mark.parametrize(
    "trimming, expected",
    [
        ({"min_length": 30, "max_length": 20},
         "trimming.min_length (30) is larger than trimming.max_length (20)"),
        ({"protocol": "custom", "adapter": ""},
         "trimming.protocol is 'custom' but trimming.adapter is empty"),
    ],
)
def test_trimming_errors(trimming, expected):
    config = demo_config()
    config["trimming"].update(trimming)
    assert expected in refusal(config)


def test_umi_protocol_gives_the_umi_pattern():
    config = demo_config()
    config["trimming"]["protocol"] = "qiaseq"
    run = load(config)
    assert run.umi and "(?P<umi_1>.{12})" in run.umi_pattern
    assert "umi_tools" in run.tool_envs


def test_name_pattern_matches_exactly_the_names():
    import re

    pattern = plan.name_pattern(["S1", "S1.b"])
    assert re.fullmatch(pattern, "S1.b") and not re.fullmatch(pattern, "S1xb")
    assert not re.fullmatch(plan.name_pattern([]), "")


def test_workflow_files_are_named_relative_to_the_working_directory(tmp_path, monkeypatch):
    assert plan.workflow_file(REPO, "scripts/check_reads.py") == "workflow/scripts/check_reads.py"
    monkeypatch.chdir(tmp_path)  # a run from outside the project
    assert plan.workflow_file(REPO, "scripts/check_reads.py") == str(
        REPO / "workflow" / "scripts" / "check_reads.py"
    )


# --- libraries sequenced on several units (lanes, runs) --------------------------------


def unit_sheet(tmp_path):
    """The demo sheet with a unit column; S01 and L01 each split into two units whose
    files are in tmp_path."""
    header, *rows = SHEET_LINES
    lines = ["\t".join(["sample", "unit"] + header.split("\t")[1:])]
    for row in rows:
        sample, rest = row.split("\t", 1)
        if sample not in ("S01_res_met", "L01_res_met"):
            lines.append(f"{sample}\t\t{rest}")
            continue
        fields = rest.split("\t")
        for lane in ("L001", "L002"):
            for column in (1, 2):
                if fields[column]:
                    unit_file = tmp_path / f"{lane}_{Path(fields[column]).name}"
                    unit_file.write_bytes(b"")
                    fields[column] = str(unit_file)
            lines.append("\t".join([sample, lane] + fields))
            fields = rest.split("\t")
    return write_sheet(tmp_path, lines), lines


def test_units_are_merged_before_trimming(tmp_path):
    sheet, lines = unit_sheet(tmp_path)
    run = load(demo_config(samples=sheet))
    assert run.samples == plan.load(copy.deepcopy(DEMO_CONFIG), REPO).samples
    assert run.merged == ("S01_res_met", "L01_res_met")
    assert [u.name for u in run.units["L01_res_met"]] == ["L001", "L002"]
    # several units: trimming reads the merged files, one per mate
    assert run.fastqs("S01_res_met") == ["results/merged/S01_res_met_R1.fastq.gz"]
    assert run.fastqs("L01_res_met") == [
        "results/merged/L01_res_met_R1.fastq.gz",
        "results/merged/L01_res_met_R2.fastq.gz",
    ]
    assert run.unit_fastqs("L01_res_met", "R2") == [
        str(tmp_path / "L001_L01_res_met_R2.fastq.gz"),
        str(tmp_path / "L002_L01_res_met_R2.fastq.gz"),
    ]
    assert run.unit_fastqs("S01_res_met", "R1")[1] == str(tmp_path / "L002_S01_res_met.fastq.gz")
    # one unit: the sheet's files, as without a unit column
    assert run.fastqs("S02_res_met") == ["resources/demo/smallrna/S02_res_met.fastq.gz"]
    assert run.units["S02_res_met"] == (samplesheet.Unit("", run.fastqs("S02_res_met")[0]),)
    assert run.is_paired("L01_res_met") and run.conditions == ("resistance", "metastasis",
                                                               "batch")
    assert run.sheet.loc["L01_res_met", "batch"] == "B1"


def test_demo_samples_have_one_unit_each(demo_plan):
    assert demo_plan.merged == ()
    assert demo_plan.fastqs("L01_res_met") == [
        "resources/demo/longrna/reads/L01_res_met_R1.fastq.gz",
        "resources/demo/longrna/reads/L01_res_met_R2.fastq.gz",
    ]
    assert demo_plan.unit_fastqs("L01_res_met", "R1") == demo_plan.fastqs("L01_res_met")[:1]


def test_units_that_disagree_stop_the_plan(tmp_path):
    sheet, lines = unit_sheet(tmp_path)
    split = [i for i, line in enumerate(lines) if line.startswith("L01_res_met\tL002")][0]
    lines[split] = lines[split].replace("\tB1", "\tB2")
    message = refusal(demo_config(samples=write_sheet(tmp_path, lines)))
    assert f"line {split + 1}, column 'batch': sample 'L01_res_met' has 'B2' here" in message
