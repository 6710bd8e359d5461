# Adapter and quality trimming of small-RNA reads (cutadapt), with UMI extraction first
# for UMI protocols (QIAseq).


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


rule trim_smallrna:
    input:
        fastq=get_trim_input,
    output:
        fastq="results/trimmed/{sample}.fastq.gz",
        json="results/trimmed/{sample}.cutadapt.json",
    log:
        "logs/trim_smallrna/{sample}.log",
    benchmark:
        "benchmarks/trim_smallrna/{sample}.tsv"
    conda:
        "../envs/cutadapt.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    params:
        args=cutadapt_arguments,
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
        check_reads=trim_check_reads,
    shell:
        # On failure, say which read file is broken and how (cutadapt does not name it).
        "{params.cleanup}; "
        "if ! cutadapt {params.args} -j {threads} --json {params.partial.json:q} "
        "-o {params.partial.fastq:q} {input.fastq:q} > {log:q} 2>&1; then "
        "{params.check_reads} {input.fastq:q} 2>&1 | tee -a {log:q} >&2; exit 1; fi; "
        "{params.publish}"
