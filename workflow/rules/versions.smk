# Software versions of every tool the run used: one query per conda environment of
# workflow/envs (the version commands live in exocargo.versions), merged with Snakemake's
# and the Python packages' versions into results/versions.tsv.

from snakemake import __version__ as SNAKEMAKE_VERSION


rule tool_versions:
    output:
        versions="results/versions/{env}.tsv",
    log:
        "logs/tool_versions/{env}.log",
    benchmark:
        "benchmarks/tool_versions/{env}.tsv"
    # Not shadowed: a local rule runs inside Snakemake's own process under a cluster
    # executor, which shadowing would move into the shadow directory. The query fails (and
    # Snakemake removes the file) when a tool is missing or reports no version.
    localrule: True
    conda:
        "../envs/{env}.yaml"
    params:
        command=version_command,
    shell:
        "({params.command}) > {output.versions:q} 2> {log:q}"


rule software_versions:
    input:
        tools=expand("results/versions/{env}.tsv", env=PLAN.tool_envs),
    output:
        versions=report(
            "results/versions.tsv",
            caption="../report/versions.rst",
            category="Run",
            labels={"table": "software versions"},
        ),
    log:
        "logs/software_versions/software_versions.log",
    benchmark:
        "benchmarks/software_versions/software_versions.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        envs=PLAN.tool_envs,
        snakemake=SNAKEMAKE_VERSION,
    script:
        "../scripts/software_versions.py"
