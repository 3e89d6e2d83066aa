"""The moto shim (tests/fakes/moto_shim.py) fills exactly its documented gaps and no more.

Each test makes the real API calls the AWS provider makes, with boto3, against the
session's moto; the negative checks make sure the shim does not hide real errors.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_autoscaling_target_tags_round_trip(moto):
    ecs, scaling = moto.client("ecs"), moto.client("application-autoscaling")
    cluster, service = _name("shim"), _name("svc")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family=service, containerDefinitions=[{"name": "c", "image": "i", "memory": 64}])
    ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=service, desiredCount=1)
    resource_id = f"service/{cluster}/{service}"
    try:
        arn = scaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=1,
            MaxCapacity=2,
            Tags={"Environment": "test"},
        )["ScalableTargetARN"]
        assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Environment": "test"}
        scaling.tag_resource(ResourceARN=arn, Tags={"Team": "platform"})
        scaling.untag_resource(ResourceARN=arn, TagKeys=["Environment"])
        assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Team": "platform"}
        scaling.deregister_scalable_target(
            ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension="ecs:service:DesiredCount"
        )
        with pytest.raises(ClientError) as error:
            scaling.list_tags_for_resource(ResourceARN=arn)
        assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    finally:
        ecs.delete_service(cluster=cluster, service=service, force=True)
        ecs.delete_cluster(cluster=cluster)


def test_ecs_create_service_keeps_the_fields_moto_drops(moto):
    ecs = moto.client("ecs")
    cluster, service = _name("shim"), _name("svc")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family=service, containerDefinitions=[{"name": "c", "image": "i", "memory": 64}])
    deployment = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    try:
        created = ecs.create_service(
            cluster=cluster,
            serviceName=service,
            taskDefinition=service,
            desiredCount=1,
            deploymentConfiguration=deployment,
            enableExecuteCommand=True,
            healthCheckGracePeriodSeconds=60,
        )["service"]
        (described,) = ecs.describe_services(cluster=cluster, services=[service])["services"]
        for seen in (created, described):
            assert seen["deploymentConfiguration"] == deployment
            assert (seen["enableExecuteCommand"], seen["healthCheckGracePeriodSeconds"]) == (True, 60)
        # Errors from moto still come through.
        with pytest.raises(ClientError):
            ecs.create_service(cluster=_name("missing"), serviceName=service, taskDefinition=service, desiredCount=1)
    finally:
        ecs.delete_service(cluster=cluster, service=service, force=True)
        ecs.delete_cluster(cluster=cluster)


def _policy(bucket: str, statement: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    **statement,
                }
            ],
        }
    )


def test_tls_only_bucket_policy_allows_requests_and_other_denies_still_apply(moto):
    s3 = moto.client("s3")
    bucket = _name("shim-tls")
    s3.create_bucket(Bucket=bucket)
    tls_only = _policy(bucket, {"Sid": "TlsOnly", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    s3.put_bucket_policy(Bucket=bucket, Policy=tls_only)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(tls_only)
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, {"Sid": "DenyAll"}))
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_conditional_denies_are_evaluated_in_the_requests_context(moto):
    """The stack's own statements: uploads asking for another encryption, and a prefix only
    other principals may touch, are refused; header-less uploads (the bucket default) pass."""
    from tests.fakes.moto_server import CALLER_ARN

    s3 = moto.client("s3")
    bucket = _name("shim-conditions")
    s3.create_bucket(Bucket=bucket)
    encryption = {
        "Sid": "DenyOtherEncryption",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {
            "Null": {"s3:x-amz-server-side-encryption": "false"},
            "StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"},
        },
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, encryption))
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ServerSideEncryption="AES256")
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v", ServerSideEncryption="aws:kms")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    others_only = {
        "Sid": "OthersOnly",
        "Resource": f"arn:aws:s3:::{bucket}/tokens/*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/task"]}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, others_only))
    s3.put_object(Bucket=bucket, Key="elsewhere/k", Body=b"v")
    with pytest.raises(ClientError):
        s3.put_object(Bucket=bucket, Key="tokens/k", Body=b"v")
    others_only["Condition"]["ArnNotEquals"]["aws:PrincipalArn"].append(CALLER_ARN)
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, others_only))
    s3.put_object(Bucket=bucket, Key="tokens/k", Body=b"v")
    s3.delete_bucket_policy(Bucket=bucket)
    for key in ("k", "elsewhere/k", "tokens/k"):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)


def test_versioned_bucket_with_delete_markers_can_be_emptied(moto):
    s3 = moto.client("s3")
    bucket = _name("shim-versions")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="state.tflock", Body=b"{}")
    s3.delete_object(Bucket=bucket, Key="state.tflock")  # leaves a delete marker
    # As on terraform destroy: aws_s3_bucket_versioning goes first (suspends), then
    # force_destroy empties the bucket.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    listing = s3.list_object_versions(Bucket=bucket)
    objects = [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    ]
    assert len(objects) == 2
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    assert not result.get("Errors")
    s3.delete_bucket(Bucket=bucket)


def test_certificate_is_issued_when_and_only_when_its_validation_record_exists(moto):
    acm, route53 = moto.client("acm"), moto.client("route53")
    zone_name = f"{_name('shim')}.test"
    zone_id = route53.create_hosted_zone(Name=zone_name, CallerReference=_name("ref"))["HostedZone"]["Id"]
    arn = acm.request_certificate(DomainName=f"mcp.{zone_name}", ValidationMethod="DNS")["CertificateArn"]
    try:
        (option,) = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]
        # No record yet: ACM cannot validate (plain moto issues it anyway after its wait).
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "PENDING_VALIDATION"
        record = option["ResourceRecord"]
        wrong = {"Name": record["Name"], "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "elsewhere.test."}]}
        route53.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": wrong}]}
        )
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "PENDING_VALIDATION"
        right = {**wrong, "ResourceRecords": [{"Value": record["Value"]}]}
        route53.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": right}]}
        )
        # Issued at once (plain moto keeps it pending for MOTO_ACM_VALIDATION_WAIT, 60 s).
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
    finally:
        acm.delete_certificate(CertificateArn=arn)
