"""Architectural rules as tests, not hopes."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
# Operations anyone may call without logging in, each for a stated reason.
PUBLIC_API_PATHS = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/cases/status",  # public case status: number + name → state and dates only
    # appointment groups and their open slots: what a center offers, no personal data
    "/api/v1/cases/appointments/groups",
    "/api/v1/cases/appointments/groups/{int:group_id}/slots",
    # a verifier (a bank, a landlord) checks a licence the holder showed: the answer is only
    # what the holder chose to disclose, and whether the issuer's signature and status hold
    "/api/v1/licences/verify",
    # the exchange's receipt keys are public keys, published so receipts verify offline
    "/api/v1/exchange/jwks",
}
PUBLIC_API_PREFIXES = (
    "/api/v1/catalog/",  # the published service catalog is public information
)
PUBLIC_WORKBENCH_VIEWS = {"workbench:login"}


def test_contexts_import_each_other_only_downwards():
    """import-linter: portal/workbench → domain contexts → identity → core."""
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--config",
            str(ROOT / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_context_says_what_it_owns():
    for init in (ROOT / "src" / "tongban").glob("*/__init__.py"):
        if init.parent.name == "settings":
            continue
        text = init.read_text()
        assert text.startswith('"""') and len(text) > 80, f"{init} needs a docstring"


def _api_operations():
    from tongban.api import api

    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/api/v1/" + (prefix.strip("/") + "/" + path.lstrip("/")).strip("/")
                yield full, operation


def test_every_api_operation_declares_its_auth():
    undeclared = [
        path
        for path, op in _api_operations()
        if not op.auth_callbacks
        and path not in PUBLIC_API_PATHS
        and not path.startswith(PUBLIC_API_PREFIXES)
    ]
    assert undeclared == []


def _workbench_patterns():
    """Every page mounted under /workbench/, whichever context serves it."""
    for entry in get_resolver().url_patterns:
        prefix = str(entry.pattern)
        if isinstance(entry, URLResolver) and prefix.startswith("workbench/"):
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                path = "/" + prefix + re.sub(r"<[^>]+>", "1", str(pattern.pattern))
                yield f"{entry.namespace}:{pattern.name}", path


def _request(client, path):
    """GET, or POST for the views that only accept POST (their GET is a 405)."""
    response = client.get(path)
    return client.post(path) if response.status_code == 405 else response


@pytest.mark.django_db
def test_every_staff_view_refuses_the_public_and_citizens(client, make):
    patterns = [
        (name, path) for name, path in _workbench_patterns() if name not in PUBLIC_WORKBENCH_VIEWS
    ]
    assert len(patterns) >= 12
    for name, path in patterns:
        response = _request(client, path)
        assert response.status_code == 302 and "/workbench/login/" in response["Location"], name
    client.force_login(make.person().account)
    for name, path in patterns:
        assert _request(client, path).status_code == 403, name


def _surface_check(imports: list[tuple[str, str]], **options):
    import grimp

    from tests.import_contracts import SurfaceContract

    graph = grimp.ImportGraph()
    for module in ("app", "app.ctx", "app.ctx.services", "app.ctx.models", "app.ctx.fresh"):
        graph.add_module(module)
    graph.add_module("app.pages")
    graph.add_module("app.pages.views")
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="")
    contract = SurfaceContract(
        name="surface",
        session_options={"root_packages": ["app"]},
        contract_options={"context": "app.ctx", "surface": ["services"], **options},
    )
    return contract.check(graph, verbose=False)


def test_a_surface_contract_refuses_any_module_it_does_not_name():
    """A module nobody listed (``fresh``) is closed as well as ``models``; the context's own
    modules import each other freely; the named surface is open."""
    check = _surface_check(
        [
            ("app.pages.views", "app.ctx.services"),
            ("app.ctx.services", "app.ctx.models"),
            ("app.pages.views", "app.ctx.fresh"),
            ("app.pages.views", "app.ctx.models"),
        ]
    )
    assert check.kept is False
    assert check.metadata["links"] == [
        ("app.pages.views", "app.ctx.fresh", (3,)),
        ("app.pages.views", "app.ctx.models", (3,)),
    ]


def test_a_surface_contract_lets_a_listed_departure_through():
    check = _surface_check(
        [("app.pages.views", "app.ctx.services"), ("app.pages.views", "app.ctx.models")],
        ignore_imports=["app.pages.views -> app.ctx.models"],
    )
    assert (check.kept, check.metadata["links"]) == (True, [])
