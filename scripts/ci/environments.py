"""Facts about the environment files that the workflows need, read through modules.config.

    python scripts/ci/environments.py deployable                # ["production"]
    python scripts/ci/environments.py image-repository production

``deployable`` lists, as JSON (a workflow matrix), the environments that run against real
AWS: those whose provider points at an emulator (``aws.endpoint_from_environment``, e.g.
``local``) have no account to plan or deploy against. ``image-repository`` prints the ECR
repository the environment's task definition pulls from, where deploys push the image.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from modules.config import ConfigError, environments_dir, load_environments  # noqa: E402


def deployable(root: Path = ROOT) -> list[str]:
    return [env.name for env in load_environments(environments_dir(root)) if not env.aws.endpoint_from_environment]


def image_repository(name: str, root: Path = ROOT) -> str:
    for env in load_environments(environments_dir(root)):
        if env.name == name:
            return env.task.image_repository
    raise ConfigError(environments_dir(root), name, "no such environment file")


def main(argv: list[str]) -> int:
    try:
        if argv[1:] == ["deployable"]:
            print(json.dumps(deployable()))
            return 0
        if len(argv) == 3 and argv[1] == "image-repository":
            print(image_repository(argv[2]))
            return 0
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("usage: environments.py deployable | image-repository <environment>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
