"""Trim, collapse, align (bowtie cascade) and count mature miRNAs of one small-RNA sample."""

from exocargo import cascade, mirna, smallrna
from exocargo.io import run_logged


def main(snakemake):
    clock = smallrna.StageClock()
    smallrna.process_sample(
        sample=snakemake.wildcards.sample,
        fastq=snakemake.input.fastq,
        cutadapt_arguments=list(snakemake.params.cutadapt),
        steps=[
            cascade.Step(name, index, int(mismatches))
            for name, index, mismatches in snakemake.params.steps
        ],
        arms_table=snakemake.input.arms,
        rules=mirna.IsomirRules(**snakemake.params.isomir),
        # cutadapt_json, collapsed, collapse_stats, bam, biotypes, unmapped, bowtie_logs,
        # counts, isomirs, summary: the rule's outputs, by name
        outputs=smallrna.SampleFiles.from_rule(snakemake.output),
        cutadapt_report=snakemake.log.cutadapt,
        threads=snakemake.threads,
        umi=snakemake.params.umi,
        clock=clock,
    )
    clock.write(snakemake.log.stages)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821
