"""The apply and correction pages' save, keeping the good files of a refused submit.

A browser cannot refill a file input, so a refusal that throws every chosen file away makes
the applicant choose them all again (and a phone user photograph them again). The design:

1. The save itself stays all or nothing (``services.case_application_save`` or
   ``case_correction_save`` in one transaction): a submit either goes through whole or
   changes nothing.
2. If it is refused for the applicant's input (``InvalidInput``: a field, a missing material, a
   bad file), the files that pass the upload checks are stored with the draft in a transaction
   of their own, after the refused one rolled back: the draft is the case the page is about
   (created as a draft under the page's idempotency key if this was its first save, exactly
   the draft the next save of the same page finds). A bad file is not stored; its refusal is
   reported at its entry. The answers are not stored: the page shows them again from the post.
3. The refusal is raised again with every problem at once: the original fields, each bad
   file's at its entry, and (when submitting) every form field that still fails, so that the
   page's error summary lists all of them, not only the first one the save met.

Any other refusal (not the applicant's case, not online, no longer a draft) keeps nothing.

In a draft a file for a checklist entry *replaces* the applicant's earlier files for that
entry (the page shows them as "已上传：name（可替换）"): one file input per entry, so choosing
again means "this one instead". A replaced file is deleted from storage once the deletion
commits. In a correction nothing is replaced: the files under review stay with the case."""

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record
from tongban.core.errors import DomainError, InvalidInput
from tongban.identity import selectors as identity_selectors

from . import selectors, services
from .choices import CaseState
from .models import Case, CaseMaterial

APPLICANT_UPLOAD = "C"  # trust level of the applicant's own uploads


def _own(*, account, case_id: int | None, idempotency_key: str = "") -> Case | None:
    """The applicant's case the page is about: by id, else the draft saved under the page's key."""
    cases = Case.objects.filter(applicant=identity_selectors.person_for_account(account))
    if case_id is not None:
        return cases.filter(pk=case_id).first()
    if idempotency_key:
        return cases.filter(idempotency_key=idempotency_key[:64], state=CaseState.DRAFT).first()
    return None


def _entries(case: Case) -> list:
    return selectors.material_entries(item_version=case.item_version, theme=case.theme)


def _replace_earlier(*, account, case: Case, material_ids) -> None:
    """In a draft, drop the applicant's earlier files of the entries new files come for."""
    if case.state != CaseState.DRAFT:
        return
    ids = {i for e in _entries(case) if set(e.ids) & set(material_ids) for i in e.ids}
    earlier = CaseMaterial.objects.filter(
        case=case, catalog_material_id__in=ids, trust_level=APPLICANT_UPLOAD
    )
    for material in list(earlier):
        stored = material.file
        material.delete()
        if stored.name:
            transaction.on_commit(lambda f=stored: f.storage.delete(f.name))
        audit_record(
            action="cases.case.material_replace",
            actor=account,
            target=case,
            subject_person_id=case.applicant_id,
            details={"name": material.name, "file": material.original_name},
        )


@transaction.atomic
def _keep(*, account, case: Case, uploads) -> dict[str, str]:
    """Store each good file with ``case`` (each in its savepoint); each bad one's refusal, at
    its entry."""
    names = {i: e.name for e in _entries(case) for i in e.ids}
    errors = {}
    for material_id, upload in uploads:
        try:
            with transaction.atomic():
                _replace_earlier(account=account, case=case, material_ids=[material_id])
                services.case_material_add(
                    account=account,
                    case_id=case.pk,
                    name=names.get(material_id, "—"),
                    upload=upload,
                    catalog_material_id=material_id,
                )
        except InvalidInput as exc:
            errors[f"materials.{material_id}"] = exc.message
    return errors


def _all_problems(case: Case, form_data: dict, *, submit: bool, refused_ids) -> dict[str, str]:
    """Every answer that fails (a draft: only those it answers) and, when submitting, the
    materials still missing once the good files are kept (but for those whose file was just
    refused: that refusal says it already)."""
    errors = catalog_selectors.form_errors(schema=case.form_schema, data=form_data or {})
    if not submit:
        errors = {k: v for k, v in errors.items() if k in (form_data or {})}
    fields = {f"form_data.{k}": v for k, v in errors.items()}
    missing = [
        row["entry"].name
        for row in selectors.case_checklist(case=case, form_data=form_data)
        if row["missing"] and not set(row["entry"].ids) & refused_ids
    ]
    if submit and missing:
        fields["materials"] = _("还缺少以下必需材料，请上传后再提交：%(names)s。") % {
            "names": "、".join(missing)
        }
    return fields


def _refused_with_all(refused: InvalidInput, *, account, case, form_data, uploads, submit):
    """The refusal again, with every problem of the page, after keeping the good files."""
    kept = _keep(account=account, case=case, uploads=uploads)
    refused_ids = {int(k.removeprefix("materials.")) for k in kept}
    problems = _all_problems(case, form_data, submit=submit, refused_ids=refused_ids)
    fields = {**refused.fields, **problems, **kept}
    if "materials" in refused.fields and "materials" not in problems:
        del fields["materials"]  # the refusal's list of missing files is out of date now
    return InvalidInput(refused.code, refused.message, fields=fields)


def case_application_save(
    *,
    account,
    form_data: dict,
    uploads=(),
    case_id: int | None = None,
    item_id: int | None = None,
    theme_code: str = "",
    idempotency_key: str = "",
    submit: bool = False,
) -> Case:
    """``services.case_application_save`` for the apply and edit pages, replacing a draft's
    earlier file of an entry and keeping the good files if the save is refused for the
    applicant's input (see the module's docstring)."""
    uploads = list(uploads)
    case = _own(account=account, case_id=case_id, idempotency_key=idempotency_key)
    try:
        with transaction.atomic():
            if case is not None:
                locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
                _replace_earlier(
                    account=account, case=locked, material_ids=[m for m, _f in uploads]
                )
            return services.case_application_save(
                account=account,
                form_data=form_data,
                uploads=uploads,
                case_id=case.pk if case is not None else None,
                item_id=item_id,
                theme_code=theme_code,
                idempotency_key=idempotency_key,
                submit=submit,
            )
    except InvalidInput as refused:
        if not uploads:
            raise
        create = {"item_id": item_id, "theme_code": theme_code, "idempotency_key": idempotency_key}
        raise _kept_after(
            refused,
            account=account,
            case=case,
            create=create,
            form_data=form_data,
            uploads=uploads,
            submit=submit,
        ) from refused


class _NothingKept(Exception):
    def __init__(self, report: InvalidInput):
        self.report = report


def _kept_after(refused, *, account, case, create, form_data, uploads, submit) -> InvalidInput:
    """Keep the good files of a refused save with the draft (made now, under the page's key, if
    this was the page's first save; rolled back again if no file was good) and return the
    refusal to raise, with every problem of the page."""
    try:
        with transaction.atomic():
            draft = case or services.case_create_draft(account=account, **create)
            draft.refresh_from_db()
            if draft.state != CaseState.DRAFT:
                return refused
            report = _refused_with_all(
                refused,
                account=account,
                case=draft,
                form_data=form_data,
                uploads=uploads,
                submit=submit,
            )
            if case is None and not draft.materials.exists():
                raise _NothingKept(report)
            return report
    except _NothingKept as nothing:
        return nothing.report
    except DomainError:  # no draft to keep them with (e.g. the item takes no online applications)
        return refused


def case_correction_save(*, account, case_id: int, form_data: dict, uploads=()) -> Case:
    """``services.case_correction_save`` for the correction page, keeping the good files if it
    is refused for the applicant's input (added to the case: nothing under review is replaced)."""
    uploads = list(uploads)
    try:
        return services.case_correction_save(
            account=account, case_id=case_id, form_data=form_data, uploads=uploads
        )
    except InvalidInput as refused:
        case = _own(account=account, case_id=case_id)
        if not uploads or case is None or case.state != CaseState.CORRECTION_REQUESTED:
            raise
        raise _refused_with_all(
            refused,
            account=account,
            case=case,
            form_data=form_data,
            uploads=uploads,
            submit=True,
        ) from refused
