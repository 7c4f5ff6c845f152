"""What the platform accepts as text and JSON from outside, checked once at the boundary.

PostgreSQL refuses a NUL byte in any text, a lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot
be encoded as UTF-8 and breaks every page that later shows it, NaN/Infinity are not JSON and
deep nesting exhausts the stack. The input middleware (``core.middleware``) and the API's JSON
parser (``core.api``) refuse all of these with a coded 400 before any view runs.
"""

import json
import math
import re

from django.utils.translation import gettext as _

from .errors import BadRequest

MAX_JSON_DEPTH = 32
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> bool:
    """True if ``value`` holds a NUL byte or a lone surrogate."""
    return _BAD_TEXT.search(value) is not None


def refuse_bad_text(field: str) -> BadRequest:
    message = _("内容含有无法保存的字符（空字符或不成对的代理字符）。")
    return BadRequest("input.invalid_text", message, fields={field: message})


def _refuse_constant(name: str):
    message = _("数值 %(value)s 不是有效的数字。") % {"value": name}
    raise BadRequest("input.invalid_number", message, fields={"body": message})


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        _refuse_constant(text)
    return value


def loads(text: str | bytes, *, field: str = "body"):
    """``json.loads`` that refuses NaN, Infinity, numbers overflowing to infinity, nesting deeper
    than ``MAX_JSON_DEPTH`` and text with NUL bytes or lone surrogates (in keys or values)."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # deeper than the interpreter's stack: too deep by far
        raise _too_deep(field) from None
    except ValueError:
        message = _("不是有效的 JSON。")
        raise BadRequest("input.invalid_json", message, fields={field: message}) from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise _too_deep(field)
    if any(bad_text(s) for s in _strings(data)):
        raise refuse_bad_text(field)
    return data


def _too_deep(field: str) -> BadRequest:
    message = _("JSON 嵌套超过 %(n)d 层。") % {"n": MAX_JSON_DEPTH}
    return BadRequest("input.too_deep", message, fields={field: message})


def _depth(data) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _strings(data):
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value.keys()
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
