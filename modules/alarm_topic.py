"""The SNS topic the alarms notify when the stack creates it: encrypted, CloudWatch-only, with email subscribers.

CloudWatch cannot publish to a topic encrypted with the AWS-managed ``alias/aws/sns`` key (its key
policy cannot be changed to let CloudWatch use it), so an alarm would fire and reach nobody. The
topic gets its own customer-managed key (rotated yearly) that CloudWatch alarms of this account may
use, and a topic policy that lets only them publish.
"""

from __future__ import annotations

from typing import Any

from modules import aws
from modules.config import AlarmSettings
from modules.symbolic import conditional, count, single, symbolic, to_json, when


class AlarmTopic(aws.Construct):
    """Declared with ``count(create)``; exposes ``arn`` (meaningful only when ``create`` holds)."""

    def __init__(self, scope: aws.Construct, id: str, al: AlarmSettings, create: Any):
        super().__init__(scope, id)
        account_id = aws.DataAwsCallerIdentity(self, "account", count=count(create))
        account = single(account_id, "account_id", create)
        from_our_alarms = {"StringEquals": {"aws:SourceAccount": account}}
        self.key = aws.KmsKey(
            self,
            "key",
            count=count(create),
            description=f"{al.create_sns_topic_name}: SNS topic of the CloudWatch alarms",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=to_json(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountIamPolicies",
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "CloudWatchAlarmsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": from_our_alarms,
                        },
                    ],
                }
            ),
        )
        self.topic = aws.SnsTopic(
            self,
            "topic",
            count=count(create),
            name=al.create_sns_topic_name,
            kms_master_key_id=single(self.key, "arn", create),
        )
        self.arn = single(self.topic, "arn", create)
        aws.SnsTopicPolicy(
            self,
            "policy",
            count=count(create),
            arn=self.arn,
            policy=to_json(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarmsOfThisAccount",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": self.arn,
                            "Condition": from_our_alarms,
                        },
                        {
                            "Sid": "AccountManagesTheTopic",
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                            "Action": [
                                "sns:GetTopicAttributes",
                                "sns:SetTopicAttributes",
                                "sns:Subscribe",
                                "sns:ListSubscriptionsByTopic",
                                "sns:DeleteTopic",
                            ],
                            "Resource": self.arn,
                        },
                    ],
                }
            ),
        )
        emails = al.email_subscriptions
        # Each address receives a confirmation mail; until it is confirmed AWS sends it nothing else.
        if symbolic(emails) or symbolic(create):
            subscriptions = aws.TerraformCount.of(aws.Token.as_number(conditional(create, aws.Fn.length_of(emails), 0)))
            aws.SnsTopicSubscription(
                self,
                "email",
                count=subscriptions,
                topic_arn=self.arn,
                protocol="email",
                endpoint=aws.Token.as_string(aws.Fn.element(emails, subscriptions.index)),
            )
        elif when(create):
            for index, address in enumerate(emails):
                aws.SnsTopicSubscription(self, f"email-{index}", topic_arn=self.arn, protocol="email", endpoint=address)
