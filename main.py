"""CDKTF app: one deployment stack (``<env>``) and one state bootstrap stack
(``<env>-state``) per environment file in ``environments/`` (or ``$CDKTF_ENVIRONMENTS_DIR``).

Writes ``cdktf.out/stacks/<stack>/cdk.tf.json`` (``$CDKTF_OUTDIR`` overrides the folder). With
``$CDKTF_MODULE_OUTDIR`` set it also writes the plain Terraform module there, in the same process
(one provider-binding load); ``make module`` regenerates the committed copy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from modules.config import ConfigError, environments_dir, load_environments

ROOT = Path(__file__).resolve().parent


def main() -> int:
    # Validate every file before loading the provider binding (~30 s): bad config fails fast.
    try:
        environments = load_environments(environments_dir(ROOT))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from modules.stack import build_app

    build_app(environments, outdir=os.environ.get("CDKTF_OUTDIR")).synth()
    module_outdir = os.environ.get("CDKTF_MODULE_OUTDIR")
    if module_outdir:
        from modules.terraform_module import write_module

        write_module(Path(module_outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
