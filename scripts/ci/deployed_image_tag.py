"""Print the image tag the deployed task definition runs, read from ``terraform state pull``.

PR plans pass it as ``image_tag`` so they show infrastructure changes only, not a switch
of the running image back to the variable's default. Prints nothing before the first
deploy (no state or no task definition yet).

    terraform state pull | python scripts/ci/deployed_image_tag.py
"""

from __future__ import annotations

import json
import sys


def deployed_image_tag(state: dict) -> str:
    for resource in state.get("resources", []):
        if resource.get("type") != "aws_ecs_task_definition" or resource.get("mode") != "managed":
            continue
        for instance in resource.get("instances", []):
            containers = json.loads(instance["attributes"]["container_definitions"])
            image = containers[0]["image"]
            name, _, tag = image.rpartition(":")
            if name and "/" not in tag:  # a registry port is not a tag
                return tag
    return ""


def main() -> int:
    text = sys.stdin.read().strip()
    print(deployed_image_tag(json.loads(text)) if text else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
