"""The synthesis floor: load the AWS provider binding and synthesize one resource, nothing else.

Usage: python -m benchmarks.floor_synth OUTDIR   (run from the repository root)
It imports through modules/aws.py, the repository's one import point for the binding, so the
floor loads exactly the binding that ``main.py`` loads.
"""

from __future__ import annotations

import sys

from modules import aws


def main(outdir: str) -> None:
    app = aws.App(outdir=outdir)
    stack = aws.TerraformStack(app, "floor")
    aws.AwsProvider(stack, "aws", region="us-east-1")
    aws.S3Bucket(stack, "bucket", bucket="benchmark-floor")
    app.synth()


if __name__ == "__main__":
    main(sys.argv[1])
