"""The deployment as a plain Terraform module, synthesized from the same constructs.

Every section of an environment file (except the provider's ``[aws]`` and the backend's
``[state]``, which belong to the caller) becomes an object input variable (``task``, with
``optional()`` attributes and the reference defaults), with the validation blocks rendered from
the same rules as the environment-file check (modules/validation.py). The settings the
constructs receive are the variables' expressions, so structural switches
(``network.create``, ``scaling.enabled``, ...) turn into ``count`` (see modules/symbolic.py).
The stack's outputs become the module's outputs. Provider, backend and CDKTF metadata are
stripped, so callers can use ``count``/``for_each`` on the module.

    python -m modules.terraform_module            # writes terraform/modules/google-workspace-mcp
    python -m modules.terraform_module --check    # exit 1 if the committed module is stale
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import re
import sys
import tempfile
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules import config, validation
from modules.config import EnvironmentSettings

ROOT = Path(__file__).resolve().parent.parent
MODULE_NAME = "google-workspace-mcp"
MODULE_DIR = ROOT / "terraform" / "modules" / MODULE_NAME
#: Sections the caller configures on its own provider / backend, not module inputs.
CALLER_SECTIONS = ("aws", "state")
#: The stack's own image tag variable keeps its name (``-var image_tag=<sha>``).
RENAMED = {"task_image_tag": "image_tag"}
REQUIRED_TERRAFORM = ">= 1.9.0"  # validations that refer to other variables
INPUTS_SCOPE = "inputs"
#: Settings that name a particular account's resources: required module inputs without a default
#: (the environment files default to the reference deployment's; a module caller states its own).
ACCOUNT_SPECIFIC = (
    "network.vpc_id",
    "network.subnet_ids",
    "network.security_group_ids",
    "cluster.name",
    "load_balancer.name",
    "service_discovery.namespace_id",
    "service_discovery.namespace_name",
    "task.image_repository",
    "token_bucket.bucket_name",
)
#: The default of a required input (a variable without ``default``).
REQUIRED = None
FILES = ("versions.tf.json", "variables.tf.json", "main.tf.json", "outputs.tf.json", "README.md")


# --------------------------------------------------------------------------- inputs


def _is_dataclass(tp: Any) -> typing.TypeGuard[type]:
    """A settings section (a dataclass), as opposed to a scalar, tuple or dict annotation."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


@dataclass(frozen=True)
class Input:
    """One module variable = one environment setting."""

    name: str
    key: str  # section.field in the environment file
    type: str
    default: Any  # REQUIRED: none, the caller must set it
    description: str
    python_type: Any
    variable: str  # the module variable holding it: its section (``network``), or ``image_tag``

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def attribute(self) -> str:
        """Its path inside the section variable (``health_check.path``)."""
        return self.key.split(".", 1)[1]


@dataclass(frozen=True)
class Variable:
    """One module input variable: a section of the environment file as an object with
    ``optional()`` attributes (the image tag stays a variable of its own)."""

    name: str
    type: str
    default: Any  # REQUIRED when an attribute has no default
    description: str
    inputs: tuple[Input, ...]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def _field_docs(cls: type) -> dict[str, str]:
    """``#:`` comments above each field of a settings dataclass."""
    import inspect

    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"^(\w+)\s*:", stripped)
        if match and pending:
            docs[match[1]] = " ".join(pending)
        if not stripped.startswith("#"):
            pending = []
    return docs


def _terraform_type(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is bool:
        return "bool"
    if tp in (int, float):
        return "number"
    if tp is str:
        return "string"
    if origin is dict:
        return "map(string)"
    if origin is tuple:
        item = typing.get_args(tp)[0]
        if _is_dataclass(item):
            return f"list({_object_type(item)})"
        return f"list({_terraform_type(item)})"
    if _is_dataclass(tp):
        return _object_type(tp)
    raise TypeError(f"no Terraform type for {tp}")  # pragma: no cover


def _object_type(cls: type) -> str:
    hints = typing.get_type_hints(cls)
    fields = ", ".join(f"{f.name} = {_terraform_type(hints[f.name])}" for f in dataclasses.fields(cls))
    return f"object({{{fields}}})"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _walk(cls: type, instance: Any, path: list[str], section_doc: str) -> list[Input]:
    hints = typing.get_type_hints(cls)
    docs = _field_docs(cls)
    found = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        value = getattr(instance, f.name)
        if _is_dataclass(tp):
            found += _walk(
                tp, value, [*path, f.name], (tp.__doc__ or "").strip().splitlines()[0] if tp.__doc__ else section_doc
            )
            continue
        name = "_".join([*path, f.name])
        key = ".".join([*path, f.name])
        doc = docs.get(f.name) or f"{section_doc.rstrip('.')}: {f.name.replace('_', ' ')}."
        found.append(
            Input(
                name=RENAMED.get(name, name),
                key=key,
                type=_terraform_type(tp),
                default=REQUIRED if key in ACCOUNT_SPECIFIC or (name in RENAMED and not value) else _plain(value),
                description=f"{doc} (environment file: {key})",
                python_type=tp,
                variable=RENAMED.get(name) or path[0],
            )
        )
    return found


def module_inputs() -> list[Input]:
    """Every module variable, in environment-file order."""
    defaults = EnvironmentSettings(name="module", source="module")
    hints = typing.get_type_hints(EnvironmentSettings)
    found: list[Input] = []
    for f in dataclasses.fields(EnvironmentSettings):
        tp = hints[f.name]
        if f.name in CALLER_SECTIONS or not _is_dataclass(tp):
            continue
        doc = (tp.__doc__ or f.name).strip().splitlines()[0]
        if doc.startswith(f"{tp.__name__}("):  # dataclass's generated signature
            doc = f.name.replace("_", " ").capitalize()
        found += _walk(tp, getattr(defaults, f.name), [f.name], doc)
    return found


def module_arguments(settings: EnvironmentSettings) -> dict[str, Any]:
    """The module call's arguments that deploy ``settings`` (what a caller writes for it)."""

    def value(key: str) -> Any:
        found: Any = settings
        for part in key.split("."):
            found = getattr(found, part)
        return _plain(found)

    arguments: dict[str, Any] = {}
    for item in module_inputs():
        if item.variable == item.name:
            arguments[item.name] = value(item.key)
        else:
            target = arguments.setdefault(item.variable, {})
            *parents, leaf = item.attribute.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value(item.key)
    return arguments


def _hcl(value: Any) -> str:
    """A Python default as an HCL literal (JSON literals are HCL: ``{"K": "v"}``, ``[1]``)."""
    return json.dumps(value)


def _attributes_type(cls: type, instance: Any, path: list[str], depth: int = 0) -> str:
    """``object({...})`` of a settings dataclass: every attribute ``optional(type, default)``
    except the account-specific ones, which the caller must set."""
    hints = typing.get_type_hints(cls)
    parts = []
    for f in dataclasses.fields(cls):
        key = ".".join([*path, f.name])
        if "_".join([*path, f.name]) in RENAMED:
            continue  # a variable of its own
        tp, value = hints[f.name], getattr(instance, f.name)
        if _is_dataclass(tp):
            parts.append(f"{f.name} = optional({_attributes_type(tp, value, [*path, f.name], depth + 1)}, {{}})")
            continue
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
        if item is not None and _is_dataclass(item):
            element = _attributes_type(item, item(), [*path, f.name], depth + 1)
            type_ = f"list({element})"
        else:
            type_ = _terraform_type(tp)
        parts.append(
            f"{f.name} = {type_}" if key in ACCOUNT_SPECIFIC else f"{f.name} = optional({type_}, {_hcl(_plain(value))})"
        )
    indent = "  " * depth
    return "object({\n" + "".join(f"{indent}  {part}\n" for part in parts) + f"{indent}}})"


def module_variables() -> list[Variable]:
    """The module's input variables: one object per section, then ``image_tag``."""
    defaults = EnvironmentSettings(name="module", source="module")
    hints = typing.get_type_hints(EnvironmentSettings)
    inputs = module_inputs()
    found: list[Variable] = []
    for f in dataclasses.fields(EnvironmentSettings):
        tp = hints[f.name]
        if f.name in CALLER_SECTIONS or not _is_dataclass(tp):
            continue
        members = tuple(item for item in inputs if item.variable == f.name)
        doc = (tp.__doc__ or "").strip().splitlines()[0] if tp.__doc__ else ""
        if not doc or doc.startswith(f"{tp.__name__}("):  # dataclass's generated signature
            doc = f"{f.name.replace('_', ' ').capitalize()} settings."
        required = any(item.required for item in members)
        found.append(
            Variable(
                name=f.name,
                type=_attributes_type(tp, getattr(defaults, f.name), [f.name]),
                default=REQUIRED if required else {},
                description=f"{doc} Attributes and defaults: the module README ([{f.name}] in an environment file).",
                inputs=members,
            )
        )
    for item in inputs:
        if item.variable == item.name:
            found.append(Variable(item.name, item.type, item.default, item.description, (item,)))
    return found


# --------------------------------------------------------------------------- validations


def _rules_as_validations(inputs: list[Input]) -> dict[str, list[tuple[str, str]]]:
    """The rules of modules/validation.py as each section variable's validation blocks."""
    references = {item.key: f"var.{item.key}" if item.variable != item.name else f"var.{item.name}" for item in inputs}
    return validation.module_validations(references, {item.key: item.variable for item in inputs})


# --------------------------------------------------------------------------- the stack


def _build_module_stack(app, inputs: list[Input], variables: list[Variable]):
    import jsii

    from modules import aws
    from modules.provider import BaseStack
    from modules.stack import IMAGE_TAG_ERROR, ServiceStack
    from modules.state import configure_s3_backend

    class ModuleStack(ServiceStack):
        """The ServiceStack's constructs fed with variables instead of an environment file."""

        def __init__(self, scope, id: str):
            plain = EnvironmentSettings(name=MODULE_NAME, source="module")
            BaseStack.__init__(self, scope, id, plain)  # provider: stripped from the module
            configure_s3_backend(self, plain)  # backend: stripped from the module
            # A scope of their own: `service_name` is both an input and an output.
            self.inputs = aws.Construct(self, INPUTS_SCOPE)
            validations = _rules_as_validations(inputs)
            self.variables = {variable.name: self._variable(variable, validations) for variable in variables}
            self.compose(self._settings(plain))

        def _variable(self, variable: Variable, validations: dict[str, list[tuple[str, str]]]):
            checks = validations.get(variable.name, [])
            if variable.name == "image_tag":
                checks = [(f'can(regex("{config.IMAGE_TAG_PATTERN}", var.image_tag))', IMAGE_TAG_ERROR)]
            return aws.TerraformVariable(
                self.inputs,
                variable.name,
                type=variable.type,
                default=variable.default,
                description=variable.description,
                nullable=False,
                validation=aws.blocks(*({"condition": f"${{{c}}}", "error_message": m} for c, m in checks)) or None,
            )

        @jsii.member(jsii_name="allocateLogicalId")
        def _allocate_logical_id(self, tf_element) -> str:
            node = tf_element if isinstance(tf_element, aws.Node) else tf_element.node
            parts = node.path.split("/")[1:]
            if parts[0] == INPUTS_SCOPE:
                return parts[-1]
            return BaseStack._allocate_logical_id(self, tf_element)

        def _image_tag_variable(self, settings):
            return self.variables["image_tag"]

        def _value(self, item: Input):
            variable = self.variables[item.variable]
            if item.variable == item.name:  # a variable of its own: image_tag
                return variable.string_value
            # var.<section>.<attribute>
            value = aws.Fn.lookup_nested(variable.value, item.attribute.split("."))
            if item.type == "number":
                return aws.Token.as_number(value)
            if item.type == "string":
                return aws.Token.as_string(value)
            if item.type == "list(string)":
                return aws.Token.as_list(value)
            return aws.Token.as_any(value)  # bool, map, list of objects

        def _settings(self, plain: EnvironmentSettings):
            values = {item.key: self._value(item) for item in inputs}

            def build(cls, instance, path):
                kwargs = {}
                for f in dataclasses.fields(cls):
                    key = ".".join([*path, f.name])
                    nested = getattr(instance, f.name)
                    if dataclasses.is_dataclass(nested) and key not in values:
                        kwargs[f.name] = build(type(nested), nested, [*path, f.name])
                    else:
                        kwargs[f.name] = values.get(key, nested)
                return cls(**kwargs)

            region = aws.DataAwsRegion(self, "region")
            sections = {
                f.name: build(type(getattr(plain, f.name)), getattr(plain, f.name), [f.name])
                for f in dataclasses.fields(EnvironmentSettings)
                if dataclasses.is_dataclass(getattr(plain, f.name)) and f.name not in CALLER_SECTIONS
            }
            # The caller's provider decides the region; `id` is its name on provider 5 and 6.
            sections["aws"] = dataclasses.replace(plain.aws, region=region.id)
            return EnvironmentSettings(name=MODULE_NAME, source="module", **sections)

    return ModuleStack(app, MODULE_NAME)


# --------------------------------------------------------------------------- files


def _strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip_metadata(v) for v in value]
    return value


def module_files(stack_json: dict, variables: list[Variable]) -> dict[str, str]:
    """The module's files from the synthesized stack: no provider, backend or metadata."""
    from modules import aws

    config_json = _strip_metadata(stack_json)
    terraform = {
        "required_version": REQUIRED_TERRAFORM,
        "required_providers": {"aws": {"source": aws.PROVIDER_SOURCE, "version": aws.PROVIDER_VERSION_CONSTRAINT}},
    }
    declared = {variable.name: config_json["variable"][variable.name] for variable in variables}
    for variable in variables:
        if not variable.required:
            declared[variable.name]["default"] = variable.default
    main = {key: config_json[key] for key in ("data", "locals", "resource") if key in config_json}
    files = {
        "versions.tf.json": {"terraform": terraform},
        "variables.tf.json": {"variable": declared},
        "main.tf.json": main,
        "outputs.tf.json": {"output": config_json["output"]},
    }
    rendered = {name: json.dumps(content, indent=2, sort_keys=False) + "\n" for name, content in files.items()}
    rendered["README.md"] = readme(variables, config_json["output"])
    return rendered


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def readme(variables: list[Variable], outputs: dict[str, dict]) -> str:
    lines = [
        f"# Terraform module `{MODULE_NAME}`",
        "",
        "Generated by `make module` (`python -m modules.terraform_module`) from the same CDKTF",
        "constructs as the stacks in `cdktf.out/`: do not edit by hand. It declares no provider and",
        "no backend (configure both in the calling root module), so `count` and `for_each` work on it.",
        f"Requires Terraform {REQUIRED_TERRAFORM} and the AWS provider `{_provider_constraint()}`.",
        "",
        "Inputs are grouped by concern: one object variable per section of an environment file",
        "(`network`, `load_balancer`, `task`, ...), each attribute `optional()` with the default listed",
        "below, plus `image_tag`. The attributes that name one account's resources (VPC, subnets,",
        "security groups, cluster, ALB, Cloud Map namespace, image repository, token bucket) are",
        'required and have no default; pass `""` or `[]` for those a `create` switch creates instead.',
        "A value the environment files refuse fails the plan with the same rule (each declared once, in",
        "`modules/validation.py`), its message naming the attribute as `section.field`.",
        "Secrets are created without values; put them out of band (see the repository README).",
        "",
        "```hcl",
        f'module "{MODULE_NAME}" {{',
        f'  source = "git::https://<host>/<org>/<repo>.git//terraform/modules/{MODULE_NAME}?ref=<tag>"',
        "",
    ]
    for variable in variables:
        required = [item for item in variable.inputs if item.required]
        if variable.name == "image_tag":
            lines.append('  image_tag = "<git-sha>"')
        elif required:
            lines.append(f"  {variable.name} = {{")
            width = max(len(item.attribute) for item in required)
            lines += [f"    {item.attribute.ljust(width)} = {_example(item)}" for item in required]
            lines.append("  }")
    lines += ["}", "```", "", "## Inputs", ""]
    for variable in variables:
        state = "required" if variable.required else "optional"
        lines += [f"### `{variable.name}` ({state})", "", _cell(variable.description), ""]
        lines += ["| Attribute | Type | Default | Description |", "|---|---|---|---|"]
        for item in variable.inputs:
            default = "required" if item.required else json.dumps(item.default)
            name = item.attribute if item.variable != item.name else item.name
            lines.append(f"| `{name}` | `{_cell(item.type)}` | `{_cell(default)}` | {_cell(item.description)} |")
        lines.append("")
    lines += ["## Outputs", "", "| Name | Description |", "|---|---|"]
    for name, output in outputs.items():
        lines.append(f"| `{name}` | {_cell(output.get('description', ''))} |")
    lines += [
        "",
        "## Upgrading from the flat inputs",
        "",
        "Earlier versions took one scalar variable per setting (`<section>_<field>`), with the",
        "reference account's ids as defaults. Move each argument into its section's object; the",
        "account-specific attributes (marked required above) no longer have defaults, so state them.",
        "",
        "| Flat input | Now |",
        "|---|---|",
    ]
    for variable in variables:
        for item in variable.inputs:
            now = item.name if item.variable == item.name else f"{item.variable}.{item.attribute}"
            lines.append(f"| `{item.name}` | `{now}` |")
    return "\n".join(lines) + "\n"


def _example(item: Input) -> str:
    return '["..."]' if item.type.startswith("list") else '"..."'


def _provider_constraint() -> str:
    from modules import aws

    return aws.PROVIDER_VERSION_CONSTRAINT


class _QuietStderr:
    """Drops CDKTF's warning about ``${...}`` inside function arguments: the module builds
    strings from expressions on purpose, and the tests plan it against the stack."""

    #: The warning, and the expression it prints after it.
    NOISE = ("You're using escape sequences (${...}) with CDKTF Built-in functions", "TfToken[")

    def __init__(self, stream):
        self._stream = stream
        self.buffer = (
            _QuietBuffer(stream.buffer, tuple(n.encode() for n in self.NOISE)) if hasattr(stream, "buffer") else None
        )

    def write(self, text):
        return len(text) if any(n in text for n in self.NOISE) else self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _QuietBuffer:
    def __init__(self, buffer, noise: tuple[bytes, ...]):
        self._buffer, self._noise = buffer, noise

    def write(self, data):
        return len(data) if any(n in data for n in self._noise) else self._buffer.write(data)

    def __getattr__(self, name):
        return getattr(self._buffer, name)


def synthesize(outdir: Path) -> dict[str, str]:
    """Synthesize the module stack under ``outdir`` and return the module's files."""
    from modules import aws

    inputs, variables = module_inputs(), module_variables()
    stderr, sys.stderr = sys.stderr, _QuietStderr(sys.stderr)
    try:
        app = aws.App(outdir=str(outdir))
        _build_module_stack(app, inputs, variables)
        app.synth()
    finally:
        sys.stderr = stderr
    stack_json = json.loads((outdir / "stacks" / MODULE_NAME / "cdk.tf.json").read_text())
    return module_files(stack_json, variables)


def write_module(directory: Path, files: dict[str, str] | None = None) -> dict[str, str]:
    """Generate the module into ``directory`` (replacing the generated files)."""
    if files is None:
        with tempfile.TemporaryDirectory() as tmp:
            files = synthesize(Path(tmp))
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return files


def differences(expected: dict[str, str], directory: Path) -> list[str]:
    """Unified diffs between freshly generated files and ``directory``."""
    found = []
    for name, text in expected.items():
        path = directory / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), f"committed/{name}", f"generated/{name}", lineterm="", n=2
            )
            found.append("\n".join(list(diff)[:60]))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODULE_DIR, help="module directory (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="fail if the directory differs from a fresh generation")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = synthesize(Path(tmp))
    if args.check:
        stale = differences(files, args.out)
        if stale:
            print("\n\n".join(stale), file=sys.stderr)
            print(f"\n{args.out} is stale: run `make module` and commit it.", file=sys.stderr)
            return 1
        return 0
    write_module(args.out, files)
    print(f"wrote {', '.join(FILES)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
