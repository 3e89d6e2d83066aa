"""Every check of an environment's settings, declared once and rendered twice.

Each ``Rule`` names the setting it judges (``section.field``), a condition written in a small
expression language, an error message and optionally the settings it applies under (``when``).
The same rule runs as the Python check of an environment file (``check``: synthesis fails fast
with ``<file>: <section.field>: <message>``) and becomes a ``validation`` block of the Terraform
module's variable for that section (``module_validations``: ``condition`` + ``error_message``).

Expressions know both renderings: ``F("task.cpu")`` is the setting in Python and
``var.task.cpu`` in HCL; ``F("a") >= 1``, ``&``, ``|``, ``~`` combine them. HCL evaluates both
sides of ``||``, so nothing rendered may fail on a value its guard excludes (``to_number`` falls
back instead of failing).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from modules import config

# --------------------------------------------------------------------------- expressions


class Expr:
    """A value computed from the settings: evaluated in Python, rendered as HCL."""

    def py(self, settings: Any, item: Any = None) -> Any:
        raise NotImplementedError

    def hcl(self, ref: Callable[[str], str]) -> str:
        raise NotImplementedError

    def fields(self) -> set[str]:
        return set()

    def _bin(self, op: str, other: Any) -> Expr:
        return Binary(op, self, lit(other))

    def __eq__(self, other):
        return self._bin("==", other)

    def __ne__(self, other):
        return self._bin("!=", other)

    def __lt__(self, other):
        return self._bin("<", other)

    def __le__(self, other):
        return self._bin("<=", other)

    def __gt__(self, other):
        return self._bin(">", other)

    def __ge__(self, other):
        return self._bin(">=", other)

    def __mod__(self, other):
        return self._bin("%", other)

    def __and__(self, other):
        return Binary("&&", self, lit(other))

    def __or__(self, other):
        return Binary("||", self, lit(other))

    def __invert__(self):
        return Not(self)

    __hash__ = None  # type: ignore[assignment]


def lit(value: Any) -> Expr:
    return value if isinstance(value, Expr) else Lit(value)


class Lit(Expr):
    def __init__(self, value: Any):
        self.value = value

    def py(self, settings, item=None):
        return self.value

    def hcl(self, ref):
        return _hcl_literal(self.value)


def _hcl_literal(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_hcl_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list, range)):
        return "[" + ", ".join(_hcl_literal(v) for v in value) + "]"
    return json.dumps(value)  # strings, numbers and booleans: JSON literals are HCL


class F(Expr):
    """A setting by its environment-file path (``target_group.health_check.interval``)."""

    def __init__(self, key: str):
        self.key = key

    def py(self, settings, item=None):
        value = settings
        for part in self.key.split("."):
            value = getattr(value, part)
        return value

    def hcl(self, ref):
        return ref(self.key)

    def fields(self):
        return {self.key}


class Item(Expr):
    """The element a rule with ``each`` is judging (an attribute of it with ``attribute``)."""

    def __init__(self, attribute: str | None = None):
        self.attribute = attribute

    def py(self, settings, item=None):
        return getattr(item, self.attribute) if self.attribute else item

    def hcl(self, ref):
        return f"item.{self.attribute}" if self.attribute else "item"


_PY_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "%": operator.mod,
}


class Binary(Expr):
    def __init__(self, op: str, left: Expr, right: Expr):
        self.op, self.left, self.right = op, left, right

    def py(self, settings, item=None):
        if self.op == "&&":
            return bool(self.left.py(settings, item)) and bool(self.right.py(settings, item))
        if self.op == "||":
            return bool(self.left.py(settings, item)) or bool(self.right.py(settings, item))
        return _PY_OPS[self.op](self.left.py(settings, item), self.right.py(settings, item))

    def hcl(self, ref):
        return f"({self.left.hcl(ref)} {self.op} {self.right.hcl(ref)})"

    def fields(self):
        return self.left.fields() | self.right.fields()


class Not(Expr):
    def __init__(self, inner: Expr):
        self.inner = inner

    def py(self, settings, item=None):
        return not self.inner.py(settings, item)

    def hcl(self, ref):
        return f"!{self.inner.hcl(ref)}"

    def fields(self):
        return self.inner.fields()


class Call(Expr):
    """A function with a Python and an HCL spelling (``<<0>>``, ``<<1>>``: the arguments)."""

    def __init__(self, python: Callable[..., Any], hcl: str, *args: Any):
        self.python, self.template, self.args = python, hcl, tuple(lit(a) for a in args)

    def py(self, settings, item=None):
        return self.python(*(a.py(settings, item) for a in self.args))

    def hcl(self, ref):
        rendered = [a.hcl(ref) for a in self.args]
        return re.sub(r"<<(\d)>>", lambda match: rendered[int(match[1])], self.template)

    def fields(self):
        return set().union(*(a.fields() for a in self.args))


def length(value: Any) -> Expr:
    return Call(len, "length(<<0>>)", value)


def set_(value: Any) -> Expr:
    """Non-empty: a string, list or map with something in it."""
    return Call(lambda v: len(v) > 0, "(length(<<0>>) > 0)", value)


def matches(value: Any, pattern: str) -> Expr:
    """The whole value matches ``pattern`` (RE2 syntax: no look-around, no backreferences)."""
    anchored = json.dumps(f"^(?:{pattern})$")
    return Call(lambda v: re.fullmatch(pattern, v) is not None, f"can(regex({anchored}, <<0>>))", value)


def starts_with(value: Any, prefix: str) -> Expr:
    return Call(lambda v: v.startswith(prefix), f"startswith(<<0>>, {json.dumps(prefix)})", value)


def ends_with(value: Any, suffix: str) -> Expr:
    return Call(lambda v: v.endswith(suffix), f"endswith(<<0>>, {json.dumps(suffix)})", value)


def contains(values: Any, value: Any) -> Expr:
    return Call(lambda vs, v: v in vs, "contains(<<0>>, <<1>>)", values, value)


def lookup(mapping: dict, key: Any, default: Any) -> Expr:
    """``mapping[key]`` (keys compared as strings in HCL), else ``default``."""
    return Call(
        lambda k: mapping.get(k, default),
        f"lookup({_hcl_literal(mapping)}, tostring(<<0>>), {_hcl_literal(default)})",
        key,
    )


def get(mapping: Any, key: str, default: str) -> Expr:
    """An entry of a string map setting, else ``default``."""
    return Call(lambda m: m.get(key, default), f"lookup(<<0>>, {json.dumps(key)}, {json.dumps(default)})", mapping)


def in_zone(name: Any, zone: Any) -> Expr:
    """``name`` is below the DNS zone ``zone`` (a trailing dot on the zone is ignored)."""
    return Call(
        lambda n, z: n.endswith("." + z.removesuffix(".")),
        'endswith(<<0>>, format(".%s", trimsuffix(<<1>>, ".")))',
        name,
        zone,
    )


def lower(value: Any) -> Expr:
    return Call(lambda v: v.lower(), "lower(<<0>>)", value)


def to_number(value: Any, fallback: int = 0) -> Expr:
    """A string of digits as a number; ``fallback`` for anything else (HCL must not fail)."""
    return Call(lambda v: int(v) if v.isdigit() else fallback, f"try(tonumber(<<0>>), {fallback})", value)


class Quoted(Expr):
    """In a message: the value in quotes (``'busyb-cluster'``)."""

    def __init__(self, inner: Expr):
        self.inner = inner

    def py(self, settings, item=None):
        return repr(self.inner.py(settings, item))

    def hcl(self, ref):
        return f"'${{{self.inner.hcl(ref)}}}'"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One check. ``condition`` is true for an acceptable value; the error is
    ``<field>: <message>`` (Python adds `` (got <value>)`` when ``got`` is ``str`` or ``repr``)."""

    field: str
    condition: Expr
    message: Any
    when: Expr | None = None
    got: str | None = None
    #: Judge every element of a list (``items``: errors name ``field[i]``) or every key of a map
    #: (``keys``: ``field.<key>``) with ``Item()`` as the element; ``attribute``: of each element.
    each: str | None = None
    attribute: str | None = None
    #: Why the module has no such validation; None: it has.
    python_only: str | None = None

    @property
    def section(self) -> str:
        return self.field.split(".", 1)[0]

    def fields(self) -> set[str]:
        found = {self.field} | self.condition.fields() | (self.when.fields() if self.when else set())
        for part in _parts(self.message):
            if isinstance(part, Expr):
                found |= part.fields()
        return found


def _parts(message: Any) -> tuple:
    return (message,) if isinstance(message, str) else tuple(message)


def _text(message: Any, render: Callable[[Expr], str]) -> str:
    return "".join(part if isinstance(part, str) else render(part) for part in _parts(message))


def rule(field: str, condition: Expr, message: Any, **options: Any) -> Rule:
    return Rule(field, condition, message, **options)


def required(field: str, message: str = "must be set", **options: Any) -> Rule:
    return Rule(field, set_(F(field)), message, **options)


def between(field: str, low: float, high: float | None = None, *, value: Expr | None = None, **options: Any) -> Rule:
    subject = value if value is not None else _subject(field, options)
    if high is None:
        return Rule(field, subject >= low, f"must be at least {low}", got="str", **options)
    return Rule(field, (subject >= low) & (subject <= high), f"must be between {low} and {high}", got="str", **options)


def port(field: str, **options: Any) -> Rule:
    return between(field, 1, 65535, **options)


def one_of(field: str, allowed: Iterable[Any], **options: Any) -> Rule:
    allowed = tuple(allowed)
    message = f"must be one of {', '.join(map(str, allowed))}"
    return Rule(field, contains(allowed, _subject(field, options)), message, got="repr", **options)


def pattern(field: str, regex: str, message: Any, got: str | None = "repr", **options: Any) -> Rule:
    return Rule(field, matches(_subject(field, options), regex), message, got=got, **options)


def absolute_path(field: str, **options: Any) -> Rule:
    return Rule(field, starts_with(_subject(field, options), "/"), "must start with '/'", got="repr", **options)


def _subject(field: str, options: dict) -> Expr:
    return Item(options.get("attribute")) if options.get("each") else F(field)


# --------------------------------------------------------------------------- the table

_NAME_32 = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_FARGATE_MEMORY = {cpu: tuple(sizes) for cpu, sizes in config.FARGATE_SIZES.items()}
_FARGATE_ALLOWED = {
    cpu: f"{sizes.start}-{sizes.stop - 1} in steps of {sizes.step}" for cpu, sizes in config.FARGATE_SIZES.items()
}
#: The module's caller configures these sections on its own provider and backend.
_CALLER = "the caller's provider/backend setting, not a module input"
_IMAGE_TAG = "the module's image_tag variable carries the stacks' own validation, which also requires a tag"
#: Why an edge setting is refused on a reused ALB.
SHARED_ALB = "protects an ALB this stack creates (load_balancer.create); a shared ALB's is its owner's decision"
_TG = "target_group.health_check"
_STRATEGY = "service.capacity_provider_strategy"

RULES: tuple[Rule, ...] = (
    required("aws.region", python_only=_CALLER),
    between("aws.max_retries", 0, 100, python_only=_CALLER),
    # The network: created (a CIDR per zone), or reused by id.
    rule(
        "network.subnet_cidrs",
        (length(F("network.subnet_cidrs")) >= 2)
        & (length(F("network.subnet_cidrs")) == length(F("network.availability_zones"))),
        "needs two or more CIDRs, one per availability zone",
        when=F("network.create"),
    ),
    required("network.vpc_id", "must be set while network.create is false", when=~F("network.create")),
    rule(
        "network.subnet_ids",
        set_(F("network.subnet_ids")),
        "names no subnets while network.create is false",
        when=~F("network.create"),
    ),
    rule(
        "network.security_group_ids",
        set_(F("network.security_group_ids")),
        "names no security group while network.create is false",
        when=~F("network.create"),
    ),
    required("cluster.name"),
    one_of("load_balancer.listener_protocol", ("HTTP", "HTTPS")),
    port("load_balancer.listener_port"),
    # A created ALB follows AWS's naming rules; a reused one is only looked up by name (its DNS
    # name for the public URL, its metric dimension for the alarms).
    rule(
        "load_balancer.name",
        (length(F("load_balancer.name")) <= 32) & matches(F("load_balancer.name"), _NAME_32),
        "must be 1-32 letters, digits or hyphens",
        when=F("load_balancer.create"),
    ),
    rule(
        "load_balancer.certificate_arn",
        set_(F("load_balancer.certificate_arn")),
        "must be set to create an HTTPS listener",
        when=F("load_balancer.create") & (F("load_balancer.listener_protocol") == "HTTPS"),
    ),
    required("load_balancer.name", "must be set to look up the existing ALB", when=~F("load_balancer.create")),
    pattern(
        "load_balancer.public_base_url",
        "https?://[^/]+",
        "must be scheme://host without a path",
        got=None,
        when=set_(F("load_balancer.public_base_url")),
    ),
    # The target group.
    rule(
        "target_group.name",
        (length(F("target_group.name")) >= 1) & (length(F("target_group.name")) <= 32),
        ("must be 1-32 characters (got ", length(F("target_group.name")), ": ", Quoted(F("target_group.name")), ")"),
    ),
    pattern("target_group.name", _NAME_32, "may contain only letters, digits and hyphens, not at either end", got=None),
    port("target_group.port"),
    one_of("target_group.protocol", ("HTTP", "HTTPS")),
    one_of("target_group.target_type", ("ip",)),
    between("target_group.deregistration_delay", 0, 3600),
    absolute_path(f"{_TG}.path"),
    one_of(f"{_TG}.protocol", ("HTTP", "HTTPS")),
    pattern(f"{_TG}.port", "traffic-port|[0-9]+", "must be 'traffic-port' or a port number"),
    between(f"{_TG}.port", 1, 65535, value=to_number(F(f"{_TG}.port")), when=F(f"{_TG}.port") != "traffic-port"),
    between(f"{_TG}.interval", 5, 300),
    between(f"{_TG}.timeout", 2, 120),
    rule(
        f"{_TG}.timeout",
        F(f"{_TG}.timeout") < F(f"{_TG}.interval"),
        ("must be less than interval (", F(f"{_TG}.interval"), ")"),
    ),
    between(f"{_TG}.healthy_threshold", 2, 10),
    between(f"{_TG}.unhealthy_threshold", 2, 10),
    pattern(f"{_TG}.matcher", "[0-9]{3}(?:[,-][0-9]{3})*", "must be HTTP codes like '200' or '200-299'"),
    # Listener rules.
    between("listener_rule.priority", 1, 50000),
    absolute_path("listener_rule.path_pattern"),
    pattern("listener_rule.path_pattern", "/[^*]+/[*]", "must look like '/<prefix>/*'"),
    between("listener_rule.discovery_priority", 1, 50000, when=F("listener_rule.discovery_rule")),
    rule(
        "listener_rule.discovery_priority",
        F("listener_rule.discovery_priority") != F("listener_rule.priority"),
        "must differ from listener_rule.priority",
        when=F("listener_rule.discovery_rule"),
    ),
    # Cloud Map.
    required(
        "service_discovery.namespace_id",
        "must be set unless service_discovery.create_namespace is true",
        when=~F("service_discovery.create_namespace"),
    ),
    required("service_discovery.namespace_name"),
    required("service_discovery.service_name"),
    rule("service_discovery.dns_ttl", F("service_discovery.dns_ttl") >= 0, "must be 0 or more", got="str"),
    one_of("service_discovery.record_types", ("A", "AAAA", "SRV"), each="items"),
    one_of("service_discovery.routing_policy", ("MULTIVALUE", "WEIGHTED")),
    # The task.
    required("task.family"),
    one_of("task.cpu", tuple(config.FARGATE_SIZES)),
    rule(
        "task.memory",
        contains(lookup(_FARGATE_MEMORY, F("task.cpu"), ()), F("task.memory")),
        (
            "Fargate does not accept ",
            F("task.memory"),
            " MiB with ",
            F("task.cpu"),
            " CPU units (allowed: ",
            lookup(_FARGATE_ALLOWED, F("task.cpu"), ""),
            ")",
        ),
    ),
    port("task.container_port"),
    rule(
        "target_group.port",
        F("target_group.port") == F("task.container_port"),
        ("must equal task.container_port (", F("task.container_port"), ") for ip targets"),
    ),
    pattern(
        "task.container_name",
        "[A-Za-z0-9][A-Za-z0-9_-]*",
        "may contain only letters, digits, hyphens and underscores",
        got=None,
    ),
    required("task.image_repository"),
    # The module's image_tag is a variable of its own with the stacks' validation (modules/stack.py).
    pattern(
        "task.image_tag",
        config.IMAGE_TAG_PATTERN,
        "is not a valid image tag",
        when=set_(F("task.image_tag")),
        python_only=_IMAGE_TAG,
    ),
    rule(
        "task.image_tag",
        F("task.image_tag") != "latest",
        "must not be 'latest': name an immutable tag (a git SHA) or none",
        python_only=_IMAGE_TAG,
    ),
    pattern("task.user", "[0-9]+(?::[0-9]+)?", "must be a numeric uid or uid:gid, not root or a name"),
    rule("task.user", ~matches(F("task.user"), "0(?::.*)?"), "must not be root (uid 0)"),
    rule(
        "task.environment",
        ~contains(config.DERIVED_VARIABLES, Item()),
        "is derived by the stack; remove it",
        each="keys",
    ),
    rule(
        "task.environment",
        ~contains(config.SECRET_VARIABLES, Item()),
        "is a secret; it is injected from Secrets Manager",
        each="keys",
    ),
    absolute_path("task.health_check.path"),
    between("task.health_check.interval", 5, 300),
    between("task.health_check.timeout", 2, 60),
    between("task.health_check.retries", 1, 10),
    between("task.health_check.start_period", 0, 300),
    absolute_path("logs.group_name"),
    one_of("logs.retention_in_days", config.LOG_RETENTION_DAYS),
    # Secrets: named when created, or existing ARNs.
    required(
        "secrets.app_secret_name",
        "must be set when secrets.app_secret_arn is empty",
        when=~set_(F("secrets.app_secret_arn")),
    ),
    required(
        "secrets.credentials_dir_secret_name",
        "must be set when secrets.credentials_dir_secret_arn is empty",
        when=~set_(F("secrets.credentials_dir_secret_arn")),
    ),
    rule(
        "secrets.recovery_window_in_days",
        (F("secrets.recovery_window_in_days") == 0)
        | ((F("secrets.recovery_window_in_days") >= 7) & (F("secrets.recovery_window_in_days") <= 30)),
        "must be 0 or between 7 and 30",
        got="str",
    ),
    # The service.
    required("service.name"),
    between("service.desired_count", 0),
    between("service.deployment_maximum_percent", 100, 200),
    between("service.deployment_minimum_healthy_percent", 0, 100),
    between("service.health_check_grace_period_seconds", 0, 2147483647),
    # ECS Exec: transcripts in their own log group; a reused cluster's logging is configured outside.
    absolute_path("service.exec_log_group_name", when=F("service.enable_execute_command")),
    one_of("service.exec_log_retention_in_days", config.LOG_RETENTION_DAYS, when=F("service.enable_execute_command")),
    rule(
        "service.exec_reused_cluster_configured",
        F("cluster.create") | F("service.exec_reused_cluster_configured"),
        (
            "ECS Exec on the reused cluster ",
            Quoted(F("cluster.name")),
            ": its session logging is not managed by this stack. Apply the exec_cluster_configuration output to "
            "the cluster (docs/operations.md, ECS Exec), then set this to true",
        ),
        when=F("service.enable_execute_command"),
    ),
    one_of(_STRATEGY, ("FARGATE", "FARGATE_SPOT"), each="items", attribute="capacity_provider"),
    between(_STRATEGY, 0, 1000, each="items", attribute="weight"),
    between(_STRATEGY, 0, 100000, each="items", attribute="base"),
    # The token bucket.
    pattern("token_bucket.bucket_name", _BUCKET, "is not a valid S3 bucket name"),
    rule(
        "token_bucket.prefix",
        set_(F("token_bucket.prefix"))
        & ~starts_with(F("token_bucket.prefix"), "/")
        & ~ends_with(F("token_bucket.prefix"), "/"),
        "must be a key prefix without leading or trailing '/'",
        got="repr",
    ),
    between("token_bucket.noncurrent_version_expiration_days", 1),
    pattern(
        "security.break_glass_role_arns",
        "arn:aws[a-z-]*:iam::[0-9]{12}:role/.+",
        "must be an IAM role ARN",
        each="items",
    ),
    # Scaling limits matter only while scaling is on.
    between("scaling.min_capacity", 0, when=F("scaling.enabled")),
    rule(
        "scaling.max_capacity",
        F("scaling.max_capacity") >= F("scaling.min_capacity"),
        ("must be at least scaling.min_capacity (", F("scaling.min_capacity"), ")"),
        when=F("scaling.enabled"),
    ),
    between("scaling.cpu_target", 1, 100, when=F("scaling.enabled")),
    # Alarms.
    between("alarms.period", 10),
    rule(
        "alarms.period",
        (F("alarms.period") % 60 == 0) | contains((10, 30), F("alarms.period")),
        "must be 10, 30 or a multiple of 60",
        got="str",
    ),
    between("alarms.evaluation_periods", 1),
    rule(
        "alarms.create_sns_topic_name",
        ~set_(F("alarms.sns_topic_arn")) | ~set_(F("alarms.create_sns_topic_name")),
        "conflicts with alarms.sns_topic_arn; set one",
    ),
    rule(
        "alarms.email_subscriptions",
        set_(F("alarms.create_sns_topic_name")),
        "needs alarms.create_sns_topic_name (subscribe to an existing topic there)",
        when=set_(F("alarms.email_subscriptions")),
    ),
    pattern("alarms.email_subscriptions", "[^@ ]+@[^@ ]+[.][^@ ]+", "must be an email address", each="items"),
    # A custom domain: its zone reused by id or created, and it sets the public URL.
    rule(
        "domain.name",
        (length(F("domain.name")) <= 253)
        & matches(F("domain.name"), "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?[.])+[a-z]{2,63}"),
        "must be a lower-case DNS name like google-workspace.example.com",
        got="repr",
        when=set_(F("domain.name")),
    ),
    rule(
        "domain.hosted_zone_id",
        set_(F("domain.hosted_zone_id")) != set_(F("domain.create_hosted_zone_name")),
        "set exactly one of domain.hosted_zone_id and domain.create_hosted_zone_name",
        when=set_(F("domain.name")),
    ),
    rule(
        "domain.create_hosted_zone_name",
        in_zone(F("domain.name"), F("domain.create_hosted_zone_name")),
        (Quoted(F("domain.name")), " is not in the zone ", Quoted(F("domain.create_hosted_zone_name"))),
        when=set_(F("domain.name")) & set_(F("domain.create_hosted_zone_name")),
    ),
    rule(
        "load_balancer.public_base_url",
        ~set_(F("load_balancer.public_base_url")),
        "conflicts with domain.name, which sets the public URL; set one",
        when=set_(F("domain.name")),
    ),
    rule(
        "domain.name",
        set_(F("domain.name")),
        "must be set when the [domain] section is used",
        when=set_(F("domain.hosted_zone_id"))
        | set_(F("domain.create_hosted_zone_name"))
        | set_(F("domain.certificate_arn")),
    ),
    # Edge protection is for an ALB this stack creates.
    rule("edge.waf", F("load_balancer.create"), SHARED_ALB, when=F("edge.waf")),
    between("edge.waf_oauth_rate_limit", 100, 2000000000, when=F("edge.waf")),
    rule(
        "edge.access_logs_bucket_name",
        F("load_balancer.create"),
        SHARED_ALB,
        when=set_(F("edge.access_logs_bucket_name")),
    ),
    pattern(
        "edge.access_logs_bucket_name",
        _BUCKET,
        "is not a valid S3 bucket name",
        when=set_(F("edge.access_logs_bucket_name")),
    ),
    between("edge.access_logs_expiration_days", 1, when=set_(F("edge.access_logs_bucket_name"))),
    # Internal callers.
    pattern("internal_callers.client_ids", "[A-Za-z0-9._-]{1,255}", "is not an OAuth client id", each="items"),
    rule(
        "internal_callers.client_ids",
        lower(get(F("task.environment"), "MCP_ENABLE_OAUTH21", "")) == "true",
        'needs MCP_ENABLE_OAUTH21 = "true" in task.environment',
        when=set_(F("internal_callers.client_ids")),
    ),
    # Web search: the engine id is plain configuration; its API key is a key of the app secret.
    pattern(
        "search.engine_id",
        "[A-Za-z0-9][A-Za-z0-9:_-]{0,127}",
        "is not a Programmable Search Engine id (letters, digits, ':', '_', '-')",
        when=set_(F("search.engine_id")),
    ),
    # The state backend.
    pattern("state.bucket", _BUCKET, "is not a valid S3 bucket name", python_only=_CALLER),
    between("state.noncurrent_version_expiration_days", 1, python_only=_CALLER),
    # The pipeline stack's roles.
    pattern("pipeline.github_repository", "[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "must be owner/name"),
    *(
        pattern(f"pipeline.{name}", "[A-Za-z0-9+=,.@_-]{1,64}", "must be an IAM name of 1-64 characters")
        for name in ("plan_role_name", "deploy_role_name", "permissions_boundary_name")
    ),
)


# --------------------------------------------------------------------------- Python


def _python_value(value: Any, got: str | None) -> str:
    if got == "str":
        return f" (got {value})"
    if got == "repr":
        return f" (got {value!r})"
    return ""


def failure(rule_: Rule, settings: Any) -> tuple[str, str] | None:
    """``(field, message)`` if ``settings`` break ``rule_``, else None."""
    if rule_.when is not None and not rule_.when.py(settings):
        return None
    if rule_.each is None:
        if rule_.condition.py(settings):
            return None
        value = F(rule_.field).py(settings)
        return rule_.field, _text(rule_.message, lambda e: str(e.py(settings))) + _python_value(value, rule_.got)
    collection = F(rule_.field).py(settings)
    elements = collection.keys() if rule_.each == "keys" else collection
    for index, element in enumerate(elements):
        if rule_.condition.py(settings, element):
            continue
        where = f"{rule_.field}.{element}" if rule_.each == "keys" else f"{rule_.field}[{index}]"
        value = element
        if rule_.attribute:
            where, value = f"{where}.{rule_.attribute}", getattr(element, rule_.attribute)

        def render(expression: Expr, element: Any = element) -> str:
            return str(expression.py(settings, element))

        text = _text(rule_.message, render)
        return where, text + _python_value(value, rule_.got)
    return None


def check(settings: Any, rules: Iterable[Rule] = RULES) -> None:
    """Raise ConfigError for the first rule ``settings`` break, naming file and field."""
    for rule_ in rules:
        found = failure(rule_, settings)
        if found:
            raise config.ConfigError(settings.source, *found)


# --------------------------------------------------------------------------- HCL


def hcl_condition(rule_: Rule, ref: Callable[[str], str]) -> str:
    condition = rule_.condition.hcl(ref)
    if rule_.each == "items":
        condition = f"alltrue([for item in {ref(rule_.field)} : {condition}])"
    elif rule_.each == "keys":
        condition = f"alltrue([for item in keys({ref(rule_.field)}) : {condition}])"
    if isinstance(rule_.when, Not):
        condition = f"{rule_.when.inner.hcl(ref)} || {condition}"
    elif rule_.when is not None:
        condition = f"!{rule_.when.hcl(ref)} || {condition}"
    return condition


def hcl_message(rule_: Rule, ref: Callable[[str], str]) -> str:
    """``<field>: <message>.``; values in the message are interpolated (``${var.task.cpu}``)."""
    where = rule_.field
    if rule_.each == "items":
        where += "[*]" + (f".{rule_.attribute}" if rule_.attribute else "")
    elif rule_.each == "keys":
        where += ".<key>"
    text = _text(rule_.message, lambda e: e.hcl(ref) if isinstance(e, Quoted) else f"${{{e.hcl(ref)}}}")
    return f"{where}: {text}."


def module_validations(
    references: dict[str, str], variable_of: dict[str, str], rules: Iterable[Rule] = RULES
) -> dict[str, list[tuple[str, str]]]:
    """variable -> [(condition, error message)] for every rule the module carries.

    ``references`` maps a setting (``task.cpu``) to its HCL (``var.task.cpu``); ``variable_of``
    to the variable whose validation judges it (``task``). A rule that mentions a setting the
    module has no input for must say why it is Python-only.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for rule_ in rules:
        if rule_.python_only:
            continue
        missing = sorted(key for key in rule_.fields() if key not in references)
        if missing:
            raise ValueError(
                f"rule on {rule_.field} refers to {missing}, which are not module inputs; give it python_only=<why>"
            )
        ref = references.__getitem__
        found.setdefault(variable_of[rule_.field], []).append((hcl_condition(rule_, ref), hcl_message(rule_, ref)))
    return found
