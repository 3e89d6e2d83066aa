"""CDKTF app: one deployment stack (``<env>``) and one state bootstrap stack
(``<env>-state``) per environment file in ``environments/`` (or ``$CDKTF_ENVIRONMENTS_DIR``).

Writes ``cdktf.out/stacks/<stack>/cdk.tf.json`` and the Terraform module
``cdktf.out/module/google-workspace-mcp`` (``$CDKTF_OUTDIR`` overrides the folder).
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
    from modules.terraform_module import MODULE_NAME, write_module

    outdir = os.environ.get("CDKTF_OUTDIR")
    build_app(environments, outdir=outdir).synth()
    # The same constructs as a plain Terraform module (committed copy: `make module`).
    write_module(Path(outdir or ROOT / "cdktf.out") / "module" / MODULE_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
