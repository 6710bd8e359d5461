# UMI extraction of small-RNA reads for UMI protocols (QIAseq), before trimming. Trimming
# itself (cutadapt) runs inside quantify_smallrna (smallrna.smk), streaming into the
# collapser.


rule umi_extract:
    input:
        fastq=get_raw_fastq,
    output:
        fastq="results/umi/{sample}.fastq.gz",
    log:
        "logs/umi_extract/{sample}.log",
    benchmark:
        "benchmarks/umi_extract/{sample}.tsv"
    conda:
        "../envs/umi_tools.yaml"
    params:
        regex=umi_regex,
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
        check_reads=trim_check_reads,
    shell:
        "{params.cleanup}; "
        "if ! umi_tools extract --extract-method=regex --bc-pattern={params.regex:q} "
        "--stdin {input.fastq:q} --stdout {params.partial.fastq:q} --log {log:q}; then "
        "{params.check_reads} {input.fastq:q} 2>&1 | tee -a {log:q} >&2; exit 1; fi; "
        "{params.publish}"
