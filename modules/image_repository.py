"""The ECR repository of the image: created with immutable tags and scan on push, or reused
and checked at plan time (a data source whose postcondition fails a mutable or unscanned one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import EnvironmentSettings
from modules.iam import _ECR_IMAGE, _ECR_PATTERN, ecr_repository
from modules.symbolic import both, count, negate, symbolic, when

REUSED_REPOSITORY_ERROR = (
    "The reused ECR repository must have immutable tags and scan on push: "
    "aws ecr put-image-tag-mutability --image-tag-mutability IMMUTABLE and "
    "aws ecr put-image-scanning-configuration --image-scanning-configuration scanOnPush=true "
    "(docs/deployment.md, Prerequisites)."
)


def ecr_repository_name(image_repository: str) -> str:
    """``<acct>.dkr.ecr.<region>.amazonaws.com/<name>`` -> ``<name>``."""
    if not symbolic(image_repository):
        match = _ECR_IMAGE.match(image_repository)
        return match[3] if match else ""
    return aws.Token.as_string(aws.Fn.replace(image_repository, f"/{_ECR_PATTERN}/", "$3"))


@dataclass(frozen=True)
class ImageRepositoryProps:
    """What the repository reads (``[task]``): the image's repository and whether to create it."""

    #: ``<account>.dkr.ecr.<region>.amazonaws.com/<name>``; another registry: nothing to do.
    image_repository: str
    create: Any = False

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> ImageRepositoryProps:
        return cls(settings.task.image_repository, settings.task.create_image_repository)


class ImageRepository(aws.Construct):
    """Nothing for an image outside ECR. Exposes ``repository`` (created) or ``lookup``."""

    def __init__(self, scope: aws.Construct, id: str, props: ImageRepositoryProps):
        super().__init__(scope, id)
        is_ecr, _ = ecr_repository(props.image_repository)
        name = ecr_repository_name(props.image_repository)
        create = both(is_ecr, props.create)
        reuse = both(is_ecr, negate(props.create))
        self.repository = self.lookup = None
        if when(create):
            self.repository = aws.EcrRepository(
                self,
                "repository",
                count=count(create),
                name=name,
                # A pushed tag can never point at other content: what was reviewed is what runs.
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configuration=aws.blocks({"encryption_type": "KMS"}),
            )
        if when(reuse):
            self.lookup = aws.DataAwsEcrRepository(
                self,
                "lookup",
                count=count(reuse),
                name=name,
                lifecycle={
                    "postcondition": aws.blocks(
                        {
                            "condition": '${self.image_tag_mutability == "IMMUTABLE" && '
                            "self.image_scanning_configuration[0].scan_on_push}",
                            "error_message": REUSED_REPOSITORY_ERROR,
                        }
                    )
                },
            )
