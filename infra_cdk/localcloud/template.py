"""Pure operations on a template dict: trim CDK's bootstrap checks, find and replace references."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Template = dict[str, Any]
_SUB_TOKEN = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}")


class CreatedResource(BaseModel):
    """A resource the local cloud made itself, with what ``Ref`` and ``Fn::GetAtt`` return for it."""

    model_config = ConfigDict(frozen=True)

    logical_id: str
    resource_type: str
    physical_id: str
    attributes: dict[str, str] = Field(default_factory=dict)


class NotStatic(ValueError):
    """The value depends on a resource of the template, so it has no value before the stack exists."""


def without_bootstrap_checks(template: Template) -> Template:
    """A copy without ``Rules`` and ``BootstrapVersion``: both read what ``cdk bootstrap`` writes."""
    trimmed = copy.deepcopy(template)
    trimmed.pop("Rules", None)
    trimmed.get("Parameters", {}).pop("BootstrapVersion", None)
    if "Parameters" in trimmed and not trimmed["Parameters"]:
        del trimmed["Parameters"]
    return trimmed


def references(value: Any) -> set[str]:
    """Names used by ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` tokens anywhere in ``value``."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {match.group(1) for match in _SUB_TOKEN.finditer(text)}
                found |= references(inner[1] if isinstance(inner, list) else [])
            else:
                found |= references(inner)
    return found


def substitute(value: Any, created: Mapping[str, CreatedResource]) -> Any:
    """``value`` with each ``Ref``/``Fn::GetAtt``/``Fn::Sub`` token of a ``created`` resource replaced."""
    if isinstance(value, list):
        return [substitute(item, created) for item in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("Ref"), str) and value["Ref"] in created:
        return created[value["Ref"]].physical_id
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        name, attribute = target if isinstance(target, list) else str(target).split(".", 1)
        if name in created:
            return created[name].attributes[attribute]
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, None)
        text = _SUB_TOKEN.sub(lambda match: _sub_token(match, created), text)
        return {"Fn::Sub": [text, substitute(variables, created)] if variables is not None else text}
    return {key: substitute(inner, created) for key, inner in value.items()}


def _sub_token(match: re.Match[str], created: Mapping[str, CreatedResource]) -> str:
    name, attribute = match.group(1), match.group(2)
    if name not in created:
        return match.group(0)
    return created[name].attributes[attribute] if attribute else created[name].physical_id


def resolve_static(value: Any, pseudo: Mapping[str, str]) -> Any:
    """``value`` with pseudo parameters, ``Fn::Sub``, ``Fn::Join`` evaluated; ``NotStatic`` on a resource."""
    if isinstance(value, list):
        return [resolve_static(item, pseudo) for item in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        if value["Ref"] not in pseudo:
            raise NotStatic(value["Ref"])
        return pseudo[value["Ref"]]
    if "Fn::Join" in value:
        separator, items = value["Fn::Join"]
        return separator.join(str(resolve_static(item, pseudo)) for item in items)
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
        known = {**pseudo, **{name: str(resolve_static(v, pseudo)) for name, v in variables.items()}}

        def _lookup(match: re.Match[str]) -> str:
            if match.group(2) or match.group(1) not in known:
                raise NotStatic(match.group(0))
            return known[match.group(1)]

        return _SUB_TOKEN.sub(_lookup, text)
    if any(key.startswith("Fn::") for key in value):
        raise NotStatic(next(iter(value)))
    return {key: resolve_static(inner, pseudo) for key, inner in value.items()}
