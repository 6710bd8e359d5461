"""Dependencies are declared once (issue 15, point 6).

Versions live in four places: requirements.txt (pip, used by `make install`), the Makefile's
pip pins (UMI_TOOLS, BUILD_TOOLS), environment.yml (the driver environment for conda users)
and workflow/envs/*.yaml (one conda environment per rule). These tests fail, naming the
package, the files and the versions, as soon as a package has two versions across them, a
conda dependency is not pinned exactly, a Python package of a conda environment is missing
from the pip install, or a Debian version recorded in an environment file no longer matches
its pin. Fast: the files are read, nothing is installed or fetched.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import REPO

REQUIREMENTS = REPO / "requirements.txt"
ENVIRONMENT = REPO / "environment.yml"
MAKEFILE = REPO / "Makefile"
ENV_FILES = sorted((REPO / "workflow" / "envs").glob("*.yaml"))
CONDA_FILES = [ENVIRONMENT, *ENV_FILES]

# Names that differ between conda, PyPI and Debian, mapped to the one name the checks use
# (after PEP 503 normalisation, so conda's umi_tools is already PyPI's umi-tools).
NAME_MAP = {
    "matplotlib-base": "matplotlib",  # conda-forge's matplotlib without a GUI backend
    "snakemake-minimal": "snakemake",  # bioconda's slim snakemake
    "rna-star": "star",  # Debian's STAR package; conda's is star
    "python3": "python",  # Debian's interpreter package
}
# Pinned to a release series on purpose: conda resolves python=3.11 to the newest 3.11.x that
# fits the other pins, while the Debian venv runs bookworm's python3.
SERIES_PINS = {"python"}
# Python packages whose conda pin is checked against the pip install (point (c) of the issue);
# listed so that a loader that silently reads nothing cannot make that check pass.
EXPECTED_PYPI = {"cutadapt", "pydeseq2", "multiqc", "umi-tools", "pysam", "snakemake", "pandas"}

SPEC = re.compile(
    r"^(?:[\w.-]+::)?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<op>===|==|~=|!=|<=|>=|<|>|=)?\s*(?P<version>[^\s;#]*)"
)
EXACT_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!_]*$")
DEBIAN_LINE = re.compile(r"^#\s*debian:\s*(?P<package>\S+)\s+(?P<version>\S+)(?P<note>.*)$", re.M)


def canonical(name: str) -> str:
    """One name per package: PEP 503 normalised, then conda/Debian names mapped to NAME_MAP."""
    normalised = re.sub(r"[-_.]+", "-", name).lower()
    return NAME_MAP.get(normalised, normalised)


@dataclass(frozen=True)
class Pin:
    """One dependency line: its name as written, the operator and the version ('' if none)."""

    name: str
    op: str
    version: str
    line: str

    @property
    def key(self) -> str:
        return canonical(self.name)


def parse_pin(line: str) -> Pin:
    """A pip requirement (name==1.2) or a conda spec (channel::name=1.2=build)."""
    match = SPEC.match(line.strip())
    if not match:
        raise ValueError(f"cannot parse dependency {line!r}")
    op = match["op"] or ""
    version = match["version"] if op else ""
    if op == "=":
        version = version.split("=")[0]  # conda name=version=build
    return Pin(match["name"], op, version, line.strip())


def is_exact(pin: Pin, conda: bool) -> bool:
    """An exact pin: name==version for pip; name=version (or ==) for conda; no wildcard."""
    operators = {"=", "=="} if conda else {"=="}
    return pin.op in operators and bool(EXACT_VERSION.match(pin.version))


def read_requirements(path: Path) -> list[Pin]:
    """The pins of a requirements file (comments, blank lines and pip options skipped)."""
    pins = []
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            pins.append(parse_pin(line))
    return pins


def read_conda_env(path: Path) -> tuple[list[Pin], list[Pin]]:
    """The conda dependencies of an environment file, and those of its pip: section."""
    env = yaml.safe_load(path.read_text()) or {}
    conda, pip = [], []
    for item in env.get("dependencies") or []:
        if isinstance(item, dict):
            pip.extend(parse_pin(str(spec)) for spec in item.get("pip") or [])
        else:
            conda.append(parse_pin(str(item)))
    return conda, pip


def makefile_variable(name: str) -> str:
    """The value of a `NAME := ...` line of the Makefile."""
    match = re.search(rf"^{name}\s*[:?]?=\s*(.*)$", MAKEFILE.read_text(), re.M)
    assert match, f"Makefile: no {name} variable (tests/test_dependencies.py reads it)"
    return match[1]


def makefile_pins(name: str) -> list[Pin]:
    return [parse_pin(word) for word in makefile_variable(name).split()]


def apt_tools() -> set[str]:
    """The tools `make install` takes from Debian (APT_PACKAGES), by their conda names."""
    return {canonical(package) for package in makefile_variable("APT_PACKAGES").split()}


def label(path: Path) -> str:
    return str(path.relative_to(REPO))


def pin_lists() -> dict[str, list[Pin]]:
    """Every place a version is declared, by a label naming the file (and section)."""
    lists = {
        label(REQUIREMENTS): read_requirements(REQUIREMENTS),
        "Makefile (UMI_TOOLS)": makefile_pins("UMI_TOOLS"),
        "Makefile (BUILD_TOOLS)": makefile_pins("BUILD_TOOLS"),
    }
    for path in CONDA_FILES:
        conda, pip = read_conda_env(path)
        lists[label(path)] = conda
        if pip:
            lists[f"{label(path)} (pip:)"] = pip
    return lists


def as_spec(pins: Iterable[Pin]) -> dict[str, str]:
    return {pin.name: pin.version for pin in pins}


def version_conflicts(specs: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Packages declared with more than one version across ``specs``.

    ``specs`` maps a label (a file name) to {package name as written: version}; names are
    compared after ``canonical``. One message per drifting package, naming the package and,
    for each version, the files that declare it, e.g.
    ``pandas: 2.3.2 in environment.yml; 2.3.3 in requirements.txt, workflow/envs/python.yaml``.
    """
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for where, pins in specs.items():
        for name, version in pins.items():
            seen[canonical(name)][version].append(where)
    messages = []
    for name in sorted(seen):
        versions = seen[name]
        if len(versions) > 1:
            detail = "; ".join(
                f"{version or 'unpinned'} in {', '.join(files)}"
                for version, files in sorted(versions.items())
            )
            messages.append(f"{name}: {detail}")
    return messages


def debian_upstream(version: str) -> str:
    """The upstream part of a Debian version: 1:2.7.10b+dfsg-2+b2 -> 2.7.10b."""
    version = version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.split(r"[+~]", version)[0]


# --------------------------------------------------------------------------------------------
# The project's files
# --------------------------------------------------------------------------------------------


def test_the_files_are_found():
    lists = pin_lists()
    assert len(ENV_FILES) >= 8, [label(path) for path in ENV_FILES]
    for where, pins in lists.items():
        assert pins, f"{where}: no dependencies read"
    conda = {pin.key for path in CONDA_FILES for pin in read_conda_env(path)[0]}
    assert EXPECTED_PYPI <= conda, EXPECTED_PYPI - conda


def test_shared_packages_have_one_version():
    conflicts = version_conflicts({where: as_spec(pins) for where, pins in pin_lists().items()})
    assert not conflicts, "packages with more than one version:\n" + "\n".join(conflicts)


def test_no_package_is_listed_twice_in_one_file():
    twice = []
    for where, pins in pin_lists().items():
        lines = defaultdict(list)
        for pin in pins:
            lines[pin.key].append(pin.line)
        twice += [f"{where}: {' and '.join(v)}" for v in lines.values() if len(v) > 1]
    assert not twice, "packages listed twice:\n" + "\n".join(twice)


@pytest.mark.parametrize("path", CONDA_FILES, ids=label)
def test_conda_envs_pin_every_dependency_exactly(path):
    conda, pip = read_conda_env(path)
    loose = [
        f"{label(path)}: {pin.line!r} (want name=version)"
        for pin in conda
        if not is_exact(pin, conda=True)
    ]
    loose += [
        f"{label(path)} pip: {pin.line!r} (want name==version)"
        for pin in pip
        if not is_exact(pin, conda=False)
    ]
    assert not loose, "dependencies without an exact version:\n" + "\n".join(loose)


def test_requirements_pin_every_package_exactly():
    loose = [pin.line for pin in read_requirements(REQUIREMENTS) if not is_exact(pin, conda=False)]
    assert not loose, f"requirements.txt: not pinned with ==: {loose}"


@pytest.mark.parametrize("path", CONDA_FILES, ids=label)
def test_python_packages_of_the_conda_envs_are_pip_installed(path):
    """What a conda env gets from conda, `make install` gets from pip at the same version.

    Python packages come from requirements.txt (umi-tools from the Makefile's UMI_TOOLS, built
    after it); command-line tools from Debian (the Makefile's APT_PACKAGES); python is the
    interpreter of the venv.
    """
    pip = {pin.key: (pin.version, label(REQUIREMENTS)) for pin in read_requirements(REQUIREMENTS)}
    pip.update(
        {pin.key: (pin.version, "Makefile (UMI_TOOLS)") for pin in makefile_pins("UMI_TOOLS")}
    )
    not_from_pypi = apt_tools() | SERIES_PINS
    problems = []
    for pin in read_conda_env(path)[0]:
        if pin.key in not_from_pypi:
            continue
        if pin.key not in pip:
            problems.append(
                f"{pin.key}: {label(path)} pins {pin.version or 'nothing'}, but neither "
                "requirements.txt, the Makefile's UMI_TOOLS nor its APT_PACKAGES installs it"
            )
        elif pip[pin.key][0] != pin.version:
            version, where = pip[pin.key]
            problems.append(f"{pin.key}: {pin.version} in {label(path)}; {version} in {where}")
    assert not problems, "conda and pip installs differ:\n" + "\n".join(problems)


def test_makefile_umi_tools_pin_matches_the_envs():
    (make,) = makefile_pins("UMI_TOOLS")
    assert make.key == "umi-tools" and is_exact(make, conda=False), make.line
    pinned = {
        label(path): pin.version
        for path in CONDA_FILES
        for pin in read_conda_env(path)[0]
        if pin.key == "umi-tools"
    }
    assert label(REPO / "workflow" / "envs" / "umi_tools.yaml") in pinned, pinned
    differ = [
        f"{version} in {where}" for where, version in pinned.items() if version != make.version
    ]
    assert not differ, f"umi-tools: {make.version} in Makefile (UMI_TOOLS); {'; '.join(differ)}"


@pytest.mark.parametrize("path", CONDA_FILES, ids=label)
def test_debian_versions_recorded_in_the_envs_match_the_pins(path):
    """Each Debian tool of an env file has a `# debian: <package> <version>` comment (the
    version the pipeline was tested with) whose upstream version is the conda pin. A pin that
    cannot follow Debian says why on that line, after `pin differs:`.
    """
    text = path.read_text()
    pins = {pin.key: pin.version for pin in read_conda_env(path)[0]}
    recorded = {canonical(m["package"]): m for m in DEBIAN_LINE.finditer(text)}
    problems = [
        f"{label(path)}: {name} pinned at {pins[name]}, but no '# debian: <package> <version>' line"
        for name in sorted((apt_tools() & pins.keys()) - recorded.keys())
    ]
    for name, match in recorded.items():
        upstream = debian_upstream(match["version"])
        if name not in pins:
            problems.append(f"{label(path)}: Debian version of {name}, which it does not pin")
        elif "pin differs:" in match["note"]:
            continue
        elif name in SERIES_PINS:
            if not upstream.startswith(pins[name] + "."):
                problems.append(
                    f"{name}: Debian {upstream} is not in series {pins[name]} "
                    f"pinned by {label(path)}"
                )
        elif upstream != pins[name]:
            problems.append(
                f"{name}: Debian {match['version']} (upstream {upstream}); "
                f"{pins[name] or 'unpinned'} in {label(path)}"
            )
    assert not problems, "Debian versions and conda pins differ:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The checks themselves can fail
# --------------------------------------------------------------------------------------------


def test_version_conflicts_reports_drift():
    specs = {
        "requirements.txt": {"pandas": "2.3.3", "PyYAML": "6.0.3", "matplotlib": "3.11.2"},
        "workflow/envs/python.yaml": {"pandas": "2.3.2", "pyyaml": "6.0.3"},
        "environment.yml": {"matplotlib-base": "3.11.1", "umi_tools": "1.1.6", "pigz": ""},
        "Makefile (UMI_TOOLS)": {"umi-tools": "1.1.7"},
        "workflow/envs/bowtie.yaml": {"pandas": "2.3.3", "pigz": "2.6"},
    }
    assert version_conflicts(specs) == [
        "matplotlib: 3.11.1 in environment.yml; 3.11.2 in requirements.txt",
        "pandas: 2.3.2 in workflow/envs/python.yaml; "
        "2.3.3 in requirements.txt, workflow/envs/bowtie.yaml",
        "pigz: unpinned in environment.yml; 2.6 in workflow/envs/bowtie.yaml",
        "umi-tools: 1.1.6 in environment.yml; 1.1.7 in Makefile (UMI_TOOLS)",
    ]


def test_version_conflicts_accepts_one_version_under_different_names():
    specs = {
        "requirements.txt": {"PyYAML": "6.0.3", "umi-tools": "1.1.6", "matplotlib": "3.11.2"},
        "environment.yml": {
            "pyyaml": "6.0.3",
            "umi_tools": "1.1.6",
            "matplotlib-base": "3.11.2",
            "snakemake-minimal": "9.27.1",
        },
        "other.yaml": {"snakemake": "9.27.1", "star": "2.7.10b"},
    }
    assert version_conflicts(specs) == []


def test_drift_in_files_is_reported(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# frozen\ncutadapt==5.2\nPyYAML==6.0.3\n")
    env = tmp_path / "env.yaml"
    env.write_text(
        "channels: [conda-forge, bioconda]\n"
        "dependencies:\n  - cutadapt=5.1\n  - bioconda::pigz\n  - pyyaml=6.0.3=py311_0\n"
        "  - pip:\n    - umi-tools>=1.1\n"
    )
    conda, pip = read_conda_env(env)
    specs = {
        "requirements.txt": as_spec(read_requirements(requirements)),
        "env.yaml": as_spec(conda),
        "env.yaml (pip:)": as_spec(pip),
    }
    assert version_conflicts(specs) == ["cutadapt: 5.1 in env.yaml; 5.2 in requirements.txt"]
    assert [pin.line for pin in conda if not is_exact(pin, conda=True)] == ["bioconda::pigz"]
    assert [pin.line for pin in pip if not is_exact(pin, conda=False)] == ["umi-tools>=1.1"]


@pytest.mark.parametrize(
    ("line", "conda", "exact"),
    [
        ("samtools=1.16.1", True, True),
        ("star==2.7.10b", True, True),
        ("pigz", True, False),
        ("samtools=1.16.*", True, False),
        ("python>=3.11", True, False),
        ("pandas==2.3.3", False, True),
        ("pandas=2.3.3", False, False),
        ("pandas", False, False),
    ],
)
def test_exact_pins(line, conda, exact):
    assert is_exact(parse_pin(line), conda) is exact


def test_debian_upstream_versions():
    assert debian_upstream("2.7.10b+dfsg-2+b2") == "2.7.10b"
    assert debian_upstream("1.3.1-1+b1") == "1.3.1"
    assert debian_upstream("1:2.30.0+dfsg-3") == "2.30.0"
    assert debian_upstream("2.6-1") == "2.6"
