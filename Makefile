# exocargo: install, demo run, tests. Every target is idempotent.
#   make demo   installs what is missing, then runs the pipeline on the bundled demo
#   make test   installs what is missing, then runs the test suite
#   make bench  installs what is missing, then prints the small-RNA throughput benchmark

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# The venv's interpreter: Debian's python3 where there is one. Debian builds it with
# profile-guided optimisation and libpython linked in, so pure-Python work (Snakemake's
# start-up at every run and in every SLURM job, cutadapt's main process, the collapser) runs
# faster than under pyenv's default build (a shared libpython, no PGO). PYTHON=... chooses
# another; the venv is rebuilt when the choice changes.
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Debian packages of the command-line tools the rules call.
APT_PACKAGES := bowtie samtools rna-star subread bedtools pigz
APT_COMMANDS := bowtie bowtie-build samtools STAR featureCounts bedtools pigz
UMI_TOOLS := umi-tools==1.1.6
# Installer and build tools, pinned: umi-tools builds from its sdist with setup.py, which
# needs wheel's bdist_wheel in the venv (pip 26 no longer falls back to setup.py install).
BUILD_TOOLS := pip==26.3 setuptools==65.5.0 wheel==0.45.1
# Headless browser of the report test (tests/test_report.py renders results/report.html).
TEST_APT_PACKAGES := chromium
TEST_APT_COMMANDS := chromium

# venv creation (ensurepip) and headers for umi-tools' C extension: Debian's python3-venv and
# python3-dev.
export PYTHON_READY := import ensurepip, os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))

.PHONY: FORCE install install-system install-python install-test-system demo test test-fast lint bench clean

install: install-system install-python

install-system:
	@missing=""; for tool in $(APT_COMMANDS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	packages="$(APT_PACKAGES)"; \
	if [ "$(PYTHON)" = /usr/bin/python3 ] && ! $(PYTHON) -c "$$PYTHON_READY" 2>/dev/null; then \
		missing="$$missing python3-venv python3-dev"; packages="$$packages python3-venv python3-dev"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages (missing:$$missing)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$packages >/dev/null; \
	fi

install-test-system:
	@missing=""; for tool in $(TEST_APT_COMMANDS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for the tests (missing:$$missing)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(TEST_APT_PACKAGES) >/dev/null; \
	fi

install-python: $(VENV)/.installed

# The interpreter the venv was made with (path and version); rewritten, and the venv removed,
# only when PYTHON names another, so that an unchanged venv is not reinstalled.
$(VENV)/.interpreter: FORCE
	@want="$$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$want" ]; then \
		if [ -e $(VENV) ]; then echo "rebuilding $(VENV) for $$want"; rm -rf $(VENV); fi; \
		mkdir -p $(VENV); echo "$$want" > $@; \
	fi

$(VENV)/.installed: requirements.txt $(VENV)/.interpreter
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(BUILD_TOOLS)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-build-isolation $(UMI_TOOLS)
	touch $@

demo: install
	$(BIN)/snakemake --cores $(CORES)

test: install install-test-system
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not workflow"

lint: install
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .

# Throughput of the small-RNA path on 2,000,000 simulated reads against cutadapt alone, and
# pydeseq2 on 2,656 miRNAs x 100 samples (benchmarks/run_bench.py --help for the options,
# e.g. make bench BENCH_ARGS="--reads 200000 --repeat 1").
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmarks/run_bench.py --cores $(CORES) $(BENCH_ARGS)

# benchmarks/ also holds the benchmark script: remove only Snakemake's records in it.
clean:
	rm -rf results logs .snakemake benchmarks/*/
