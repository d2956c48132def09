"""Small building blocks to check a JSON document against rules written in Python.

The sandbox does not read the portal's OpenAPI file at run time: ``classified_shape``
states the rules it enforces with these blocks, and the sandbox's tests prove, payload
by payload, that the verdict matches the real JSON schema. Reasons are worded like the
portal's (ajv-style) messages; each error is named by the JSON pointer of the value.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal_sandbox.problems import FieldError

Errors = list[FieldError]


def _type_name(value: object) -> str:
    """Return the JSON type name of a decoded JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


class Rule:
    """A rule checks one JSON value and appends what is wrong with it to ``errors``."""

    def check(self, value: object, pointer: str, errors: Errors) -> None:
        raise NotImplementedError


@dataclass
class Str(Rule):
    max_length: int | None = None
    pattern: str | None = None
    enum: Iterable[str] | None = None
    http_url: bool = False

    def check(self, value: object, pointer: str, errors: Errors) -> None:
        if not isinstance(value, str):
            errors.append(FieldError(pointer, "must be string"))
            return
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(self.enum)
            errors.append(FieldError(pointer, f"must be equal to one of the allowed values: {allowed}."))
        if self.max_length is not None and len(value) > self.max_length:
            errors.append(FieldError(pointer, f"must NOT have more than {self.max_length} characters"))
        # re.search, like JSON Schema: the pattern anchors itself when it means to.
        if self.pattern is not None and not re.search(self.pattern, value):
            errors.append(FieldError(pointer, f'must match pattern "{self.pattern}"'))
        if self.http_url and not _is_http_url(value):
            errors.append(FieldError(pointer, 'must match format "url"'))


def _is_http_url(value: str) -> bool:
    """Return whether ``value`` is an absolute http(s) URL the portal could download."""
    if any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def Enum(*values: str) -> Str:
    """Return a rule accepting one of ``values``."""
    return Str(enum=values)


@dataclass
class Num(Rule):
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def check(self, value: object, pointer: str, errors: Errors) -> None:
        # Draft 4 semantics, as OpenAPI 3.0: 2.0 is a number but not an integer.
        wanted = int if self.integer else int | float
        if isinstance(value, bool) or not isinstance(value, wanted):
            errors.append(FieldError(pointer, "must be integer" if self.integer else "must be number"))
            return
        if self.minimum is not None and value < self.minimum:
            errors.append(FieldError(pointer, f"must be >= {self.minimum}"))
        if self.maximum is not None and value > self.maximum:
            errors.append(FieldError(pointer, f"must be <= {self.maximum}"))


def Int(minimum: float | None = None, maximum: float | None = None) -> Num:
    """Return a rule accepting an integer within bounds."""
    return Num(minimum=minimum, maximum=maximum, integer=True)


@dataclass
class Bool(Rule):
    def check(self, value: object, pointer: str, errors: Errors) -> None:
        if not isinstance(value, bool):
            errors.append(FieldError(pointer, "must be boolean"))


@dataclass
class Arr(Rule):
    items: Rule | None = None
    max_items: int | None = None
    unique: bool = False

    def check(self, value: object, pointer: str, errors: Errors) -> None:
        if not isinstance(value, list):
            errors.append(FieldError(pointer, "must be array"))
            return
        if self.max_items is not None and len(value) > self.max_items:
            errors.append(FieldError(pointer, f"must NOT have more than {self.max_items} items"))
        if self.unique:
            seen: dict[str, int] = {}
            for index, item in enumerate(value):
                key = repr(item)
                if key in seen:
                    errors.append(
                        FieldError(
                            pointer, f"must NOT have duplicate items (items ## {seen[key]} and {index} are identical)"
                        )
                    )
                    break
                seen[key] = index
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check(item, f"{pointer}/{index}", errors)


@dataclass
class Obj(Rule):
    """An object with known keys; ``fields=None`` accepts any content (checked no deeper)."""

    fields: Mapping[str, Rule] | None = None
    required: tuple[str, ...] = ()
    key_pattern: str | None = None
    values: Rule | None = None

    def check(self, value: object, pointer: str, errors: Errors) -> None:
        if not isinstance(value, dict):
            errors.append(FieldError(pointer, "must be object"))
            return
        for name in self.required:
            if name not in value:
                errors.append(FieldError(f"{pointer}/{_escape(name)}", f"must have required property '{name}'"))
        for name, item in value.items():
            item_pointer = f"{pointer}/{_escape(name)}"
            if self.key_pattern is not None:
                if not re.fullmatch(self.key_pattern, name):
                    errors.append(FieldError(item_pointer, f"must NOT have additional properties: {name}."))
                elif self.values is not None:
                    self.values.check(item, item_pointer, errors)
            elif self.fields is not None:
                if name not in self.fields:
                    errors.append(FieldError(item_pointer, f"must NOT have additional properties: {name}."))
                else:
                    self.fields[name].check(item, item_pointer, errors)


def _escape(name: str) -> str:
    """Return ``name`` escaped as one JSON pointer segment (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def validate(rule: Rule, document: object) -> Errors:
    """Return every error of ``document`` against ``rule``; an empty list means valid."""
    errors: Errors = []
    rule.check(document, "", errors)
    return errors
