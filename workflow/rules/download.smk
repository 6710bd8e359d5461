# References given by URL: each downloaded once into the cache (config references_cache,
# which runs may share), verified against its checksum or the cache's lock file, and read
# from there by every rule (Plan.references holds the cache paths).


rule download_reference:
    output:
        file=f"{PLAN.cache}/{{cached}}",
    log:
        "logs/download_reference/{cached}.log",
    benchmark:
        "benchmarks/download_reference/{cached}.tsv"
    wildcard_constraints:
        cached=name_pattern(PLAN.downloads),
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        source=get_download,
        lock_file=PLAN.lock_file,
    script:
        "../scripts/download_reference.py"
