"""Keeping the good files of a refused apply or correction save (``case_application_save``,
``case_correction_save``), and reporting every problem of the page at once.

A browser cannot refill a file input, so a refusal that throws every chosen file away makes
the applicant choose them all again (and a phone user photograph them again). The design:

1. The save itself stays all or nothing, one durable transaction: a submit either goes through
   whole or changes nothing.
2. If it is refused for the applicant's input (``InvalidInput``: a field, a missing material, a
   bad file), the files that pass the upload checks are stored with the draft in a durable
   transaction of their own, after the refused one rolled back: the draft is the case the page
   is about (created as a draft under the page's idempotency key if this was its first save,
   exactly the draft the next save with the same key finds; rolled back again if no file was
   good). A bad file is not stored; its refusal is reported at its entry. The answers are not
   stored: the page shows them again from the post. In a draft a kept file replaces the
   earlier ones of its entry, as in any save (``_add_uploads``).
3. The refusal is raised again with every problem at once: the original fields, each bad
   file's at its entry, and (when submitting) every form field that still fails, so that the
   page's error summary (or an API client) gets all of them, not only the first one the save
   met.

Any other refusal (not the applicant's case, not online, no longer a draft, the correction
deadline passed) keeps nothing."""

from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import InvalidInput

from .. import selectors
from ..models import Case


class NothingKept(Exception):
    """No file of the refused save was good: the keeping transaction rolls back (with the draft
    it may have made) and ``refusal`` is what to raise."""

    def __init__(self, refusal: InvalidInput):
        super().__init__(refusal.message)
        self.refusal = refusal


def refusal(
    refused: InvalidInput, *, case: Case, form_data: dict, submit: bool, bad: dict[str, str]
) -> InvalidInput:
    """``refused`` again, with every problem of the page once the good files are kept with
    ``case``: each bad file's (``bad``, at its entry), every answer that fails (a draft: only
    those it answers) and, when submitting, the materials still missing (but for those whose
    file was just refused: that refusal says it already)."""
    refused_ids = {int(k.removeprefix("materials.")) for k in bad}
    errors = catalog_selectors.form_errors(schema=case.form_schema, data=form_data or {})
    if not submit:
        errors = {k: v for k, v in errors.items() if k in (form_data or {})}
    problems = {f"form_data.{k}": v for k, v in errors.items()}
    missing = [
        row["entry"].name
        for row in selectors.case_checklist(case=case, form_data=form_data)
        if row["missing"] and not set(row["entry"].ids) & refused_ids
    ]
    if submit and missing:
        problems["materials"] = _("还缺少以下必需材料，请上传后再提交：%(names)s。") % {
            "names": "、".join(missing)
        }
    fields = {**refused.fields, **problems, **bad}
    if "materials" in refused.fields and "materials" not in problems:
        del fields["materials"]  # the refusal's list of missing files is out of date now
    return InvalidInput(refused.code, refused.message, fields=fields)
