"""Say what is wrong with the raw read files of a sample whose trimming job failed.

Called by the trimming rules only after cutadapt or umi_tools has failed:
``python check_reads.py SAMPLE FASTQ [FASTQ_2]``. Prints the diagnosis (file, read or line,
what to change) to stderr, which the rule appends to its log, and exits 1 either way so
the job fails.
"""

import sys

from exocargo import readcheck


def main(argv):
    sample, paths = argv[0], argv[1:]
    message = readcheck.explain_failure(
        sample, paths, "the trimming tool failed for another reason, see its message above"
    )
    print(message, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
