"""The SLURM profile parses, names the slurm executor, and fits the workflow's rules.

The real SLURM test is tests/slurm/run_slurm_test.sh (daemons, minutes); these checks take
seconds and catch a renamed rule, a malformed value, a group split over two partitions or an
aligner whose memory does not grow on retry before anyone reaches a cluster.
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
from snakemake.cli import parse_set_resources, parse_set_threads
from snakemake.profiles import ProfileConfigFileParser
from snakemake.resources import Resources

from conftest import BIN, REPO, copy_workflow, workflow_env

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
TEST_OVERLAY = REPO / "tests" / "slurm" / "profile" / "config.yaml"
TEST_SCRIPT = REPO / "tests" / "slurm" / "run_slurm_test.sh"
# `rule NAME:` and `use rule OTHER as NAME with:` (a rule derived from another)
RULE = re.compile(r"^(?:rule (\w+):|use rule \w+ as (\w+))", re.MULTILINE)

# Rules whose memory depends on the reference (aligners and indexers): a job killed for
# memory must ask for more on its next attempt.
ALIGNERS = ["bowtie_index", "quantify_smallrna", "star_index", "star_align", "star_rescue"]
# Seconds of work once per run, contrast or RNA class: not worth a queue wait.
SMALL_RULES = [
    "prepare_cascade_reference",
    "mirbase_arms",
    "mirna_matrix",
    "gene_matrices",
    "circrna_support",
    "circrna_matrix",
    "annotate_cargo",
    "detected_cargo",
    "normalised_counts",
    "normalised_mirna_counts",
    "qc_table",
    "qc_plots",
    "exploration_plots",
    "de_plots",
    "cargo_heatmap",
    "tool_versions",
    "software_versions",
    "html_report",
]


def parsed(path: Path) -> dict:
    """A profile as Snakemake reads it: every key a command-line option."""
    with open(path) as handle:
        return dict(ProfileConfigFileParser().parse(handle))


def profile_list(key: str) -> list[str]:
    """The profile entry `key` as the NAME=VALUE list Snakemake passes on."""
    return list(parsed(PROFILE).get(key, []))


def workflow_rules() -> set[str]:
    """Names of every rule defined in the Snakefile and workflow/rules/*.smk."""
    files = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
    return {
        defined or derived
        for path in files
        for defined, derived in RULE.findall(path.read_text())
    }


def evaluate(resource, attempt: int):
    """Value of a resource of the profile for a job on its `attempt`-th try."""
    if resource.is_evaluable():
        resource = resource.evaluate(
            wildcards={}, input=[], attempt=attempt, threads=1, rulename="r", async_run=None
        )
    return resource.value


def groups() -> dict[str, set[str]]:
    """Group name -> rules of the group, from the profile's `groups`."""
    members: dict[str, set[str]] = {}
    for entry in profile_list("groups"):
        rule, group = entry.split("=", 1)
        members.setdefault(group, set()).add(rule)
    return members


def partition_of(rule: str) -> str:
    """SLURM partition a job of `rule` asks for under the profile."""
    overrides = parse_set_resources(profile_list("set-resources"))
    defaults = Resources.parse(profile_list("default-resources"), allow_expressions=True)
    override = overrides.get(rule)
    if override is not None and "slurm_partition" in override:
        return evaluate(override["slurm_partition"], 1)
    return evaluate(defaults["slurm_partition"], 1)


def test_profile_uses_the_slurm_executor_with_retries_and_latency_wait():
    profile = parsed(PROFILE)
    assert profile["executor"] == "slurm"
    assert int(profile["jobs"]) >= 1
    assert int(profile["retries"]) >= 1
    assert int(profile["latency-wait"]) >= 5


def test_default_resources_name_partition_runtime_and_memory():
    defaults = Resources.parse(profile_list("default-resources"), allow_expressions=True)
    assert {"slurm_partition", "runtime", "mem_mb"} <= set(defaults.keys())


def test_every_rule_the_profile_names_exists_in_the_workflow():
    rules = workflow_rules()
    assert {"quantify_smallrna", "star_align", "diffexp"} <= rules, "rule parsing broke"
    named = set(parse_set_resources(profile_list("set-resources")))
    named |= set(parse_set_threads(profile_list("set-threads")))
    named |= {rule for members in groups().values() for rule in members}
    unknown = named - rules
    assert not unknown, f"profiles/slurm names rules the workflow does not have: {unknown}"


def test_runtimes_are_positive_minutes_that_grow_with_attempt():
    overrides = parse_set_resources(profile_list("set-resources"))
    defaults = Resources.parse(profile_list("default-resources"), allow_expressions=True)
    runtimes = {"(default)": defaults["runtime"]}
    runtimes.update({rule: res["runtime"] for rule, res in overrides.items() if "runtime" in res})
    for rule, runtime in runtimes.items():
        first, second = evaluate(runtime, 1), evaluate(runtime, 2)
        assert isinstance(first, int) and first > 0, (rule, first)
        assert second > first, f"{rule}: runtime does not grow on retry ({first} -> {second})"


def test_partitions_are_plain_names():
    overrides = parse_set_resources(profile_list("set-resources"))
    defaults = Resources.parse(profile_list("default-resources"), allow_expressions=True)
    partitions = [defaults["slurm_partition"]] + [
        res["slurm_partition"] for res in overrides.values() if "slurm_partition" in res
    ]
    for partition in partitions:
        value = evaluate(partition, 1)
        assert isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", value), value


def test_rules_of_a_group_ask_for_one_partition():
    # One sbatch call per group job: its rules cannot go to different partitions.
    assert {"smallrna_sample", "longrna_sample"} <= set(groups())
    for group, members in groups().items():
        partitions = {rule: partition_of(rule) for rule in sorted(members)}
        assert len(set(partitions.values())) == 1, f"group {group} spans partitions {partitions}"


def test_set_threads_give_cluster_jobs_at_least_the_threads_of_a_laptop():
    for entry in profile_list("set-threads"):
        rule, threads = entry.split("=", 1)
        assert int(threads) >= 2, f"set-threads {rule}={threads}"


def test_slurm_test_overlay_reads_job_states_with_squeue_within_min_job_age():
    overlay = parsed(TEST_OVERLAY)
    assert overlay["slurm-status-command"] == "squeue"
    # squeue only knows a finished job for MinJobAge seconds; the executor wants at least
    # three first-poll intervals of it, or it falls back to sacct (no accounting here).
    min_job_age = int(re.search(r"^MinJobAge=(\d+)$", TEST_SCRIPT.read_text(), re.M).group(1))
    assert min_job_age >= 3 * int(overlay["slurm-init-seconds-before-status-checks"])
    assert min_job_age >= 3 * int(parsed(PROFILE)["slurm-init-seconds-before-status-checks"])


def test_test_cluster_has_every_partition_the_profile_names():
    declared = set(re.findall(r"^PartitionName=(\S+)", TEST_SCRIPT.read_text(), re.M))
    named = {partition_of(rule) for rule in workflow_rules()}
    assert named <= declared, f"partitions missing from the test cluster: {named - declared}"


def test_slurm_test_script_is_executable_bash_and_wired_into_ci():
    assert TEST_SCRIPT.stat().st_mode & 0o111, "tests/slurm/run_slurm_test.sh is not executable"
    subprocess.run(["bash", "-n", str(TEST_SCRIPT)], check=True)
    ci = (REPO / ".ci" / "run").read_text()
    assert "tests/slurm/run_slurm_test.sh" in ci


# The workflow as Snakemake parses it (demo config): for every rule, whether it runs on
# the submit host, its threads and its mem_mb on attempts 1-3. Uses the Snakemake API and
# two of its internals (snakemake is pinned in requirements.txt); runs in a subprocess, in a
# copy of the workflow.
PROBE = """
import json
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.iocontainers import Wildcards
from snakemake.settings.types import OutputSettings, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"), workdir=Path(".")
    )._workflow
    sample = workflow.globals["PLAN"].long[0]
    wildcards = Wildcards(fromdict={"sample": sample, "step": "miRNA"})
    rules = {}
    for rule in workflow.rules:
        memory = rule.resources.get("mem_mb")
        rules[rule.name] = {
            # localrules and `localrule: True` (workflow.is_local() is True for every
            # rule outside a cluster run)
            "local": rule.name in workflow._localrules,
            "wildcards": sorted(rule.wildcard_names),
            "threads": rule.resources["_cores"].value,
            "mem_mb": [
                memory.evaluate(wildcards, attempt=attempt).value if memory else None
                for attempt in (1, 2, 3)
            ],
        }
print("PROBE " + json.dumps(rules))
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """Per rule: runs locally?, wildcards, threads, mem_mb on attempts 1-3 (demo config)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("probe"))
    done = subprocess.run(
        [str(BIN / "python"), "-c", PROBE],
        cwd=workdir,
        env=workflow_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    line = next(l for l in done.stdout.splitlines() if l.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])


@pytest.mark.parametrize("rule", ALIGNERS)
def test_aligner_memory_grows_with_attempt(rules, rule):
    first, second, third = rules[rule]["mem_mb"]
    assert isinstance(first, int) and first >= 1000, (rule, first)
    assert first < second < third, f"{rule}: mem_mb {first}, {second}, {third} on attempts 1-3"


def test_small_rules_run_on_the_submit_host(rules):
    remote = [rule for rule in SMALL_RULES if not rules[rule]["local"]]
    assert not remote, f"small rules that would wait in the SLURM queue: {remote}"


def test_per_sample_and_aligner_rules_go_to_the_cluster(rules):
    per_sample = {rule for rule, info in rules.items() if "sample" in info["wildcards"]}
    assert {"quantify_smallrna", "star_align", "qc_smallrna_sample"} <= per_sample
    local = sorted(rule for rule in per_sample | set(ALIGNERS) if rules[rule]["local"])
    assert not local, f"per-sample or aligner rules that would run on the submit host: {local}"


def test_grouped_rules_are_not_local_rules(rules):
    # Snakemake submits a grouped local rule with its group: the localrule mark would lie.
    grouped = {rule for members in groups().values() for rule in members}
    local = sorted(rule for rule in grouped if rule in rules and rules[rule]["local"])
    assert not local, f"local rules in profile groups: {local}"


def test_threaded_rules_declare_memory(rules):
    # A threaded tool's memory is not the 1 GB default of the profile.
    undeclared = sorted(
        rule
        for rule, info in rules.items()
        if info["threads"] > 1 and not info["local"] and info["mem_mb"][0] is None
    )
    assert not undeclared, f"threaded rules without resources: mem_mb: {undeclared}"


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    """`snakemake -n --profile profiles/slurm` on the demo, in a copy of the workflow."""
    workdir = copy_workflow(tmp_path_factory.mktemp("profile"))
    return subprocess.run(
        [str(BIN / "snakemake"), "-n", "--profile", "profiles/slurm"],
        cwd=workdir,
        env=workflow_env(),
        capture_output=True,
        text=True,
    )


def test_snakemake_accepts_the_profile_in_a_dry_run(dry_run):
    output = dry_run.stdout + dry_run.stderr
    assert dry_run.returncode == 0, output[-3000:]
    assert "Using profile profiles/slurm" in output
    assert "slurm_partition=" in output and "runtime=" in output, output[-3000:]


def test_dry_run_forms_one_group_job_per_library(dry_run):
    output = dry_run.stdout + dry_run.stderr
    sheet = (REPO / "config" / "samples.tsv").read_text().splitlines()[1:]
    libraries = [line.split("\t")[1] for line in sheet if line.strip()]
    expected = {
        "smallrna_sample": libraries.count("small"),
        "longrna_sample": libraries.count("long"),
        "longrna_calls": libraries.count("long"),
    }
    found = {group: output.count(f"Group job {group} ") for group in expected}
    assert found == expected
