"""Turn ``terraform show -json <plan>`` into the Markdown of one PR comment per stack.

The comment lists resource addresses and actions only, never attribute values: plans can
hold sensitive values, which stay in the short-lived artifact. The first line is a hidden
marker the workflow uses to find and update the stack's existing comment.

    terraform show -json tfplan | python scripts/ci/plan_summary.py <stack> [run-url]
"""

from __future__ import annotations

import json
import sys
from collections import Counter

MARKER = "<!-- workspace-mcp-plan:{stack} -->"
# Terraform's action lists, named the way `terraform plan` prints them.
ACTIONS = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "destroy",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("read",): "read",
    ("no-op",): "no-op",
}
SYMBOLS = {"create": "+", "update": "~", "destroy": "-", "replace": "-/+", "read": "<="}
MAX_LISTED = 200  # a comment holds at most 65,536 characters


def summarize(plan: dict, stack: str, run_url: str = "") -> str:
    changes: list[tuple[str, str]] = []
    for resource in plan.get("resource_changes", []):
        action = ACTIONS.get(tuple(resource["change"]["actions"]), "/".join(resource["change"]["actions"]))
        if action not in ("no-op", "read"):
            changes.append((action, resource["address"]))
    counts = Counter(action for action, _ in changes)
    outputs = [
        name
        for name, change in (plan.get("output_changes") or {}).items()
        if change.get("actions") not in (["no-op"], None)
    ]

    lines = [MARKER.format(stack=stack), f"### Terraform plan: `{stack}`", ""]
    if not changes and not outputs:
        lines.append("**No changes.** The infrastructure matches the configuration.")
    else:
        lines.append(
            f"**Plan:** {counts['create']} to add, {counts['update']} to change, "
            f"{counts['destroy'] + counts['replace']} to destroy"
            f" ({counts['replace']} replaced), {len(outputs)} output(s) changed."
        )
        if changes:
            lines += ["", "<details><summary>Resources</summary>", "", "```diff"]
            for action, address in sorted(changes, key=lambda c: c[1])[:MAX_LISTED]:
                lines.append(f"{SYMBOLS.get(action, '?'):>3} {address} ({action})")
            if len(changes) > MAX_LISTED:
                lines.append(f"... and {len(changes) - MAX_LISTED} more")
            lines += ["```", "", "</details>"]
    if run_url:
        lines += ["", f"Full plan, `cdk.tf.json` and lock file: artifacts of [this run]({run_url}) (kept 5 days)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: terraform show -json tfplan | plan_summary.py <stack> [run-url]", file=sys.stderr)
        return 2
    sys.stdout.write(summarize(json.load(sys.stdin), argv[1], argv[2] if len(argv) == 3 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
