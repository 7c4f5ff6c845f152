"""An import-linter contract type that states what a context offers, not what it hides.

import-linter's own ``forbidden`` and ``protected`` contracts list the modules others must not
import, so a module added to a context later (``cases/sequences.py``, say) is open to every
caller until someone remembers to list it. A *surface* contract turns that round: each context
names the few modules the rest of the project may import (its services, selectors, access,
choices, errors, …); an import of anything else from outside the context breaks the contract,
whatever its name and whenever it was written.

Configured in ``pyproject.toml`` (``[tool.importlinter] contract_types``); lint-imports puts
the working directory on ``sys.path``, which is how it finds this module.
"""

from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class SurfaceContract(Contract):
    """Modules outside ``context`` import only ``context.<name>`` for ``name`` in ``surface``
    (and what those packages contain). Options:

    - ``context``: the package whose surface this states (``tongban.cases``).
    - ``surface``: the first-level module names others may import (``services``, …).
    - ``ignore_imports``: import expressions let through, each one a departure to remove.
    """

    type_name = "surface"

    context = fields.ModuleField()
    surface = fields.SetField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=contract_utils.AlertLevel.ERROR,
        )
        package = self.context.name  # type: ignore[attr-defined]
        allowed = {f"{package}.{name}" for name in self.surface}  # type: ignore[attr-defined]
        inside = {package, *graph.find_descendants(package)}
        links = []
        for imported in sorted(inside - {package}):
            top = ".".join(imported.split(".")[: package.count(".") + 2])
            if top in allowed:
                continue
            for importer in sorted(graph.find_modules_that_directly_import(imported) - inside):
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = tuple(detail["line_number"] for detail in details)
                links.append((importer, imported, lines))
        return ContractCheck(
            kept=not links,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"links": links, "surface": sorted(allowed)},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            f"Outside {self.context} only these may be imported: "  # type: ignore[attr-defined]
            + ", ".join(check.metadata["surface"]),
            bold=False,
        )
        output.new_line()
        for importer, imported, lines in check.metadata["links"]:
            numbers = ", ".join(map(str, lines))
            output.print_error(f"- {importer} -> {imported} (l.{numbers})", bold=False)
            output.new_line()
