"""The applicant's case pages: apply for an item or a theme (guided form, materials checklist,
uploads, draft, submit, receipt), 「我的办件」 with each case's progress, correction and
withdrawal, and the public status query. Thin: parse → call cases services/selectors → render."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongban.cases import selectors as cases
from tongban.cases import services as case_services
from tongban.cases.choices import CaseState
from tongban.catalog import schema_forms
from tongban.catalog import selectors as catalog
from tongban.core.errors import Conflict, DomainError, Forbidden
from tongban.core.ratelimit import client_ip, rate_limit
from tongban.identity import selectors as identity

from .case_forms import StatusQueryForm, WithdrawForm, error_summary, field_errors, uploads_from


def _person(request):
    person = identity.person_for_account(request.user)
    if person is None:
        raise Forbidden("person.required", _("此页面仅限个人账号使用，工作人员请进入工作台。"))
    return person


def _not_online():
    return Conflict("case.not_online", _("该事项暂不支持网上申请，请按办事指南到窗口办理。"))


def _target_of_case(case) -> dict:
    if case.item_version_id:
        v = case.item_version
        return {
            "title": v.name,
            "schema": v.form_schema or {},
            "ui": v.form_ui or {},
            "entries": cases.material_entries(item_version=v),
            "department": case.department,
        }
    theme = case.theme
    return {
        "title": theme.name,
        "schema": theme.form_schema or {},
        "ui": theme.form_ui or {},
        "entries": cases.material_entries(theme=theme),
    }


def _page(request, target: dict, *, case=None, mode: str = "apply", **create) -> object:
    """The application form with its checklist: new (``create`` names the item or theme), a
    draft (``case``), or a correction (``mode="correct"``)."""
    schema, ui = target["schema"], target["ui"]
    prefill = cases.form_prefill(account=request.user, schema=schema) if mode == "apply" else None
    data = case.form_data if case is not None or prefill is None else prefill.answers
    key = (
        request.POST.get("idempotency_key")
        or (case.idempotency_key if case is not None else "")
        or uuid.uuid4().hex
    )
    form_errors, material_errors, top_error, status = {}, {}, "", 200
    if request.method == "POST":
        data = schema_forms.coerce(schema, request.POST)
        uploads = uploads_from(request.FILES)
        try:
            if mode == "correct":
                saved = case_services.case_correction_save(
                    account=request.user, case_id=case.pk, form_data=data, uploads=uploads
                )
            else:
                saved = case_services.case_application_save(
                    account=request.user,
                    form_data=data,
                    uploads=uploads,
                    case_id=case.pk if case is not None else None,
                    idempotency_key=key,
                    submit=request.POST.get("action") == "submit",
                    **create,
                )
        except DomainError as exc:
            form_errors, material_errors, top_error = field_errors(exc)
            status = exc.status
            if case is not None:
                case.refresh_from_db()  # with the files the refused save kept
        else:
            return _after_save(request, saved, mode)
    saved = case or cases.draft_for_applicant_key(account=request.user, idempotency_key=key)
    uploads = list(saved.materials.select_related("reused_from__case")) if saved else []
    reuse = (
        cases.licence_reuse_for_applicant(
            account=request.user, entries=target["entries"], case=saved
        )
        if mode == "apply"
        else {}
    )
    earlier = (
        cases.earlier_reuse_for_applicant(
            account=request.user, entries=target["entries"], case=saved
        )
        if mode == "apply"
        else {}
    )
    # what data sharing will give the item's department at submission (a theme: nothing yet)
    data_offers = (
        cases.data_supply_for_applicant(
            account=request.user,
            entries=target["entries"],
            department=target["department"],
            case=saved,
        )
        if mode == "apply" and target.get("department") is not None
        else {}
    )
    rows = cases.checklist_rows(
        entries=target["entries"],
        form_data=data,
        uploads=uploads,
        reuse=reuse,
        earlier=earlier,
        data=data_offers,
    )
    for row in rows:
        mine = [material_errors.pop(i) for i in row["entry"].ids if i in material_errors]
        row["error"] = mine[0] if mine else ""
    top_error = top_error or next(iter(material_errors.values()), "")  # a file for no entry here
    fields = schema_forms.fields(schema, ui, data, form_errors)
    sources = prefill.sources if prefill is not None else {}
    for f in fields:
        f["source"] = source = sources.get(f["name"])
        f["source_kept"] = source is not None and f["value"] == source.value
    return render(
        request,
        "portal/cases/apply.html",
        {
            "target": target,
            "case": case,
            "mode": mode,
            "fields": fields,
            "sourced": [f for f in fields if f["source"] is not None],
            "error_summary": error_summary(top_error, fields, rows),
            "rows": rows,
            "idempotency_key": key,
            "acting": identity.acting_entity(request.user),
            "notice": _open_notice(case) if mode == "correct" else None,
            "max_mb": cases.upload_limit_mb(),
        },
        status=status,
    )


def _after_save(request, case, mode: str):
    if mode == "correct":
        messages.success(request, _("补正已提交，办件重新进入预审。"))
        return redirect("portal:my_case", case_id=case.pk)
    if case.state == CaseState.DRAFT:
        messages.success(request, _("草稿已保存，可随时在“我的办件”中继续填写。"))
        return redirect("portal:case_edit", case_id=case.pk)
    return redirect("portal:case_receipt", case_id=case.pk)


def _open_notice(case):
    notices = [n for n in case.correction_notices.all() if n.corrected_at is None]
    return notices[-1] if notices else None


@login_required
def apply_item(request, item_id: int):
    _person(request)
    item = catalog.item_public(item_id)
    v = item.published
    if not v.applies_online:
        raise _not_online()
    target = {
        "title": v.name,
        "schema": v.form_schema or {},
        "ui": v.form_ui or {},
        "entries": cases.material_entries(item_version=v),
        "department": item.department,
        "guide_url": reverse("catalog:item", args=[item.pk]),
    }
    return _page(request, target, item_id=item.pk)


@login_required
def apply_theme(request, code: str):
    _person(request)
    theme = catalog.theme_public(code)
    if not catalog.theme_applies_online(theme):
        raise _not_online()
    target = {
        "title": theme.name,
        "schema": theme.form_schema or {},
        "ui": theme.form_ui or {},
        "entries": cases.material_entries(theme=theme),
        "guide_url": reverse("catalog:theme", args=[theme.code]),
    }
    return _page(request, target, theme_code=theme.code)


def _my_case(request, case_id: int):
    _person(request)
    return cases.case_detail_for_applicant(account=request.user, case_id=case_id)


@login_required
def case_edit(request, case_id: int):
    case = _my_case(request, case_id)
    if case.state != CaseState.DRAFT:
        messages.info(request, _("该申请已提交，不能再修改。"))
        return redirect("portal:my_case", case_id=case.pk)
    return _page(request, _target_of_case(case), case=case)


@login_required
def case_correct(request, case_id: int):
    case = _my_case(request, case_id)
    if case.state != CaseState.CORRECTION_REQUESTED:
        messages.info(request, _("该办件当前无需补正。"))
        return redirect("portal:my_case", case_id=case.pk)
    return _page(request, _target_of_case(case), case=case, mode="correct")


@login_required
def case_receipt(request, case_id: int):
    case = _my_case(request, case_id)
    if case.state == CaseState.DRAFT:
        return redirect("portal:case_edit", case_id=case.pk)
    return render(
        request,
        "portal/cases/receipt.html",
        {"case": case, "receipt": cases.case_receipt(case)},
    )


@login_required
def my_cases(request):
    _person(request)
    rows = cases.cases_with_progress_for_applicant(account=request.user)
    return render(request, "portal/cases/list.html", {"rows": rows})


def _parts(case) -> list[dict]:
    """Who handles which part: the review tasks once fanned out; before that, for a theme, its
    member items and their departments."""
    tasks = [t for t in case.tasks.all()]
    if tasks:
        return [
            {"title": t.title, "department": t.department.name, "state": t.get_state_display(),
             "decision": t.get_decision_display() if t.decision else ""}
            for t in tasks
        ]  # fmt: skip
    if case.is_theme:
        theme = catalog.theme_public(case.theme.code)
        return [
            {"title": f"{m.part} · {m.item.published.name}", "department": m.item.department.name,
             "state": _("待分送"), "decision": ""}
            for m in catalog.theme_members_published(theme)
        ]  # fmt: skip
    return []


def _answer(value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@login_required
def my_case(request, case_id: int):
    case = _my_case(request, case_id)
    schema = case.item_version.form_schema if case.item_version_id else case.theme.form_schema
    answers = [
        {"title": prop.get("title", name), "value": _answer(case.form_data.get(name))}
        for name, prop in schema_forms.ordered_properties(schema or {})
        if case.form_data.get(name) not in (None, "", [])
    ]
    return render(
        request,
        "portal/cases/detail.html",
        {
            "case": case,
            "progress": cases.case_progress(case),
            "actions": cases.applicant_actions(case),
            "answers": answers,
            "rows": cases.case_checklist(case=case),
            "notices": list(case.correction_notices.all()),
            "timeline": cases.applicant_timeline(case),
            "parts": _parts(case),
        },
    )


@login_required
def case_withdraw(request, case_id: int):
    case = _my_case(request, case_id)
    if not cases.applicant_actions(case)["withdraw"]:
        messages.info(request, _("该办件当前不能撤回。"))
        return redirect("portal:my_case", case_id=case.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case_services.case_withdraw(
            account=request.user, case_id=case.pk, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("申请已撤回。"))
        return redirect("portal:my_case", case_id=case.pk)
    return render(
        request,
        "portal/cases/withdraw.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


def status_query(request):
    """Public: case number + applicant name → state and dates only; limited per client."""
    form = StatusQueryForm(request.GET or None)
    result, error, status = None, None, 200
    if request.GET and form.is_valid():
        try:
            rate_limit(
                scope="case_status",
                client=client_ip(request),
                rate=settings.TONGBAN_STATUS_QUERY_RATE,
            )
            result = cases.case_public_status(**form.cleaned_data)
        except DomainError as exc:
            error, status = exc, exc.status
    elif form.errors:
        status = 400
    return render(
        request,
        "portal/cases/status.html",
        {"form": form, "result": result, "error": error},
        status=status,
    )
