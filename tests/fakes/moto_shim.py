"""moto 5.2.5 in server mode plus a thin WSGI shim for the gaps Terraform trips over.

Run as ``python -m tests.fakes.moto_shim -H 127.0.0.1 -p PORT`` (tests/fakes/moto_server.py
does). Every request goes to moto unchanged; the shim only fills these gaps, each of
which otherwise makes the AWS provider 5.100 fail, hang in retries or report drift:

1. Application Auto Scaling ``TagResource`` / ``UntagResource`` / ``ListTagsForResource``
   are not implemented by moto (and ``RegisterScalableTarget`` ignores ``Tags``). The
   provider reads the tags of every ``aws_appautoscaling_target`` after create; the shim
   keeps the tags per scalable-target ARN and answers those three calls.
2. ECS ``CreateService`` drops every request field moto's model does not know about
   (``deploymentConfiguration`` incl. the circuit breaker, ``enableExecuteCommand``,
   ``healthCheckGracePeriodSeconds``, ``capacityProviderStrategy``,
   ``availabilityZoneRebalancing``, ...), so ``DescribeServices`` omits them and the next
   plan wants to change them. After moto created the service, the shim stores those
   fields on moto's own service object, which moto's serializer then returns
   (``UpdateService`` already stores every field it gets).
3. S3 bucket policies: moto skips condition operators it does not implement (``Bool``,
   ``Null``, ``ArnNotEquals``) as if they matched, so every conditional Deny (TLS only,
   encryption, the token prefix's principals) denies every object call, including the S3
   backend's state reads. The shim evaluates bucket policies with tests/infra/iam_eval.py
   (AWS's operators, missing keys, IfExists) in the request's context: TLS (the emulator
   stands in for AWS's HTTPS endpoint), the SSE headers of the request, and as
   ``aws:PrincipalArn`` the caller ``$MOTO_SHIM_CALLER_ARN`` (moto does not model who
   calls; tests/fakes/moto_server.py names the local environment's break-glass role, the
   operator the runbook's commands run as). GetBucketPolicy returns the policy as written.
4. S3 DeleteObjects in a bucket whose versioning was suspended crashes in moto when a
   key's versions include a delete marker (``FakeDeleteMarker`` has no ``dispose``). On
   destroy, ``aws_s3_bucket_versioning`` goes first, then ``force_destroy`` empties the
   bucket (e.g. the state bucket with its lock-file markers), which fails with a 500. The shim
   gives delete markers the no-op ``dispose`` they lack.
5. ACM DNS validation: moto issues a requested certificate once ``MOTO_ACM_VALIDATION_WAIT``
   (60 s) has passed, whether or not anyone created its validation record, which is laxer
   than ACM and makes ``aws_acm_certificate_validation`` wait a minute. The shim issues a
   DNS-validated certificate when, and only when, a Route 53 hosted zone of its account holds
   the validation CNAME (name and value as DescribeCertificate reports them) for every name
   of the certificate; without it the certificate stays ``PENDING_VALIDATION``.

Every other call (plain S3, Secrets Manager, ...) passes through untouched.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from botocore import xform_name
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

AUTOSCALING_TARGET = "AnyScaleFrontendService."
ECS_CREATE_SERVICE = "AmazonEC2ContainerServiceV20141113.CreateService"
# CreateService parameters moto 5.2.5 passes to its model (moto/ecs/responses.py).
ECS_FIELDS_MOTO_KEEPS = {
    "cluster",
    "serviceName",
    "taskDefinition",
    "desiredCount",
    "loadBalancers",
    "schedulingStrategy",
    "serviceRegistries",
    "tags",
    "deploymentController",
    "launchType",
    "platformVersion",
    "propagateTags",
    "networkConfiguration",
    "role",
    "clientToken",
}
JSON_11 = "application/x-amz-json-1.1"

StartResponse = Callable[..., Any]


class MotoShim:
    """WSGI middleware in front of moto's dispatcher; see the module docstring."""

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._autoscaling_tags: dict[str, dict[str, str]] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        _REQUEST.environ = environ  # the bucket-policy check reads this request's headers
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(AUTOSCALING_TARGET):
            operation = target[len(AUTOSCALING_TARGET) :]
            handler = getattr(self, f"_autoscaling_{xform_name(operation)}", None)
            if handler is not None:
                return handler(_read_json(environ), environ, start_response)
        if target == ECS_CREATE_SERVICE:
            return self._ecs_create_service(_read_json(environ), environ, start_response)
        return self.app(environ, start_response)

    # -- Application Auto Scaling tags ------------------------------------------------

    def _autoscaling_register_scalable_target(self, body, environ, start_response):
        status, headers, payload = _call(self.app, environ)
        if status.startswith("200") and body.get("Tags"):
            arn = json.loads(payload)["ScalableTargetARN"]
            with self._lock:
                self._autoscaling_tags.setdefault(arn, {}).update(body["Tags"])
        start_response(status, headers)
        return [payload]

    def _autoscaling_deregister_scalable_target(self, body, environ, start_response):
        # Tags die with the target: forget those of targets moto no longer lists.
        status, headers, payload = _call(self.app, environ)
        if status.startswith("200"):
            with self._lock:
                self._autoscaling_tags = {
                    arn: tags for arn, tags in self._autoscaling_tags.items() if _scalable_target_exists(arn)
                }
        start_response(status, headers)
        return [payload]

    def _autoscaling_tag_resource(self, body, environ, start_response):
        with self._lock:
            self._autoscaling_tags.setdefault(body["ResourceARN"], {}).update(body.get("Tags", {}))
        return _json_response(start_response, {})

    def _autoscaling_untag_resource(self, body, environ, start_response):
        with self._lock:
            tags = self._autoscaling_tags.get(body["ResourceARN"], {})
            for key in body.get("TagKeys", []):
                tags.pop(key, None)
        return _json_response(start_response, {})

    def _autoscaling_list_tags_for_resource(self, body, environ, start_response):
        arn = body.get("ResourceARN", "")
        if not _scalable_target_exists(arn):
            return _json_response(
                start_response,
                {"__type": "ResourceNotFoundException", "Message": f"No scalable target {arn}"},
                status="400 Bad Request",
            )
        with self._lock:
            tags = dict(self._autoscaling_tags.get(arn, {}))
        return _json_response(start_response, {"Tags": tags})

    # -- ECS CreateService fields -----------------------------------------------------

    def _ecs_create_service(self, body, environ, start_response):
        status, headers, payload = _call(self.app, environ)
        dropped = {k: v for k, v in body.items() if k not in ECS_FIELDS_MOTO_KEEPS}
        if status.startswith("200") and dropped:
            service = _ecs_service(json.loads(payload)["service"]["serviceArn"])
            for key, value in dropped.items():
                setattr(service, xform_name(key), value)
            # Answer with the completed service, as AWS would.
            response = json.loads(payload)
            response["service"].update(dropped)
            payload = json.dumps(response).encode()
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(payload))))
        start_response(status, headers)
        return [payload]


_REQUEST = threading.local()
#: Default caller when MOTO_SHIM_CALLER_ARN is unset: moto's own identity for any credentials.
DEFAULT_CALLER_ARN = "arn:aws:iam::123456789012:user/moto"
_SSE_HEADERS = {
    "s3:x-amz-server-side-encryption": "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION",
    "s3:x-amz-server-side-encryption-aws-kms-key-id": "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID",
}


def request_context(environ: dict | None) -> dict[str, str]:
    """The condition keys of an object request: TLS, the caller, the SSE headers it sent."""
    context = {
        "aws:SecureTransport": "true",
        "aws:PrincipalArn": os.environ.get("MOTO_SHIM_CALLER_ARN") or DEFAULT_CALLER_ARN,
    }
    for key, header in _SSE_HEADERS.items():
        if environ and environ.get(header):
            context[key] = environ[header]
    return context


def evaluate_bucket_policies() -> None:
    """Make moto evaluate S3 bucket policies as AWS does, in the request's context (gap 3)."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    from tests.infra.iam_eval import statement_applies

    def get_permission(self, action: str, resource: str):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(self.policy).get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        context = request_context(getattr(_REQUEST, "environ", None))
        applying = [
            s["Effect"]
            for s in statements
            if statement_applies(s, action, resource, context, context["aws:PrincipalArn"])
        ]
        if "Deny" in applying:
            return PermissionResult.DENIED
        return PermissionResult.PERMITTED if "Allow" in applying else PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission


def let_delete_markers_be_disposed() -> None:
    """A delete marker holds no data: disposing of it is a no-op (gap 4)."""
    from moto.s3.models import FakeDeleteMarker

    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda self, garbage=False: None


def validate_certificates_by_dns() -> None:
    """Issue a DNS-validated certificate once its validation records exist in Route 53 (gap 5)."""
    from moto.acm.models import CertBundle
    from moto.route53.models import route53_backends

    def records_exist(bundle) -> bool:
        account = bundle.arn.split(":")[4]
        options = bundle.describe()["Certificate"].get("DomainValidationOptions", [])
        records = [option["ResourceRecord"] for option in options]
        wanted = {(r["Name"].rstrip(".").lower(), r["Value"].rstrip(".").lower()) for r in records}
        found = set()
        for zone in route53_backends[account]["global"].zones.values():
            for record_set in zone.rrsets:
                if record_set.type != "CNAME":
                    continue
                for record in record_set.records:
                    value = record.get("Value", "") if isinstance(record, dict) else str(record)
                    found.add((record_set.name.rstrip(".").lower(), value.rstrip(".").lower()))
        return bool(wanted) and wanted <= found

    original = CertBundle.check

    def check(self) -> None:
        pending = self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION"
        if not pending:
            return original(self)
        self.status = "ISSUED" if records_exist(self) else "PENDING_VALIDATION"

    CertBundle.check = check


def _read_json(environ: dict) -> dict:
    """Read the JSON request body and put it back for the wrapped application."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


def _call(app, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app and collect its whole response."""
    captured: dict[str, Any] = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, list(headers)

    chunks = app(environ, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured["status"], captured["headers"], payload


def _json_response(start_response: StartResponse, body: dict, status: str = "200 OK"):
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", JSON_11), ("Content-Length", str(len(payload)))])
    return [payload]


def _region_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[3], parts[4]


def _ecs_service(arn: str):
    from moto.ecs.models import ecs_backends

    region, account = _region_account(arn)
    backend = ecs_backends[account][region]
    for service in backend.services.values():
        if service.arn == arn:
            return service
    raise LookupError(f"moto has no ECS service {arn}")


def _scalable_target_exists(arn: str) -> bool:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    if arn.count(":") < 5:
        return False
    region, account = _region_account(arn)
    backend = applicationautoscaling_backends[account][region]
    return any(t.arn == arn for targets in backend.targets.values() for t in targets.values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does (URLs it builds)
    evaluate_bucket_policies()
    let_delete_markers_be_disposed()
    validate_certificates_by_dns()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, MotoShim(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
