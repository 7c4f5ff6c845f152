"""The catalog's error vocabulary: one enum of codes, spelled as the API has always sent them."""

import ast
from pathlib import Path

import tongban.catalog
from tongban.catalog.errors import CatalogError, FieldProblem, field_code

RAISING = {"invalid", "InvalidInput", "NotFound", "Conflict", "Forbidden", "BadRequest"}


def test_codes_keep_their_public_spelling():
    assert CatalogError.ITEM_NOT_FOUND == "catalog.item.not_found"
    assert CatalogError.IMPLEMENTATION_CODE_DUPLICATE == "catalog.implementation_code.duplicate"
    assert CatalogError.MATERIAL_APPLIES_IF_SHAPE == "catalog.material.applies_if.shape"
    assert CatalogError.IMPORT_REJECTED == "catalog.import.rejected"
    assert CatalogError.SEARCH_NO_TERMS == "catalog.search.no_terms"
    assert field_code("audience", FieldProblem.UNKNOWN) == "catalog.audience.unknown"
    assert (
        field_code("materials[0].count", FieldProblem.NOT_INTEGER)
        == "catalog.materials[0].count.not_integer"
    )


def test_every_code_is_distinct_and_in_the_catalog_namespace():
    values = [member.value for member in CatalogError]
    assert len(values) == len(set(values))
    assert all(v.startswith("catalog.") for v in values)


def test_no_raise_site_spells_a_code_as_a_literal():
    """A coded error is made from a ``CatalogError`` member (or ``field_code``), never from a
    string written at the raise site, so the vocabulary stays in one place."""
    root = Path(tongban.catalog.__file__).parent
    literal = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in RAISING and isinstance(first, ast.Constant | ast.JoinedStr):
                literal.append(f"{path.relative_to(root)}:{node.lineno}")
    assert literal == []
