"""Workbench pages for cases: the department's queues, the case page, and one small POST view
per action, each calling its service. What a staff member may do is decided once, by
``cases.selectors.case_actions_for_staff``; a refused or lost action (a colleague was faster, a
double click) re-renders the case page with the service's own message and status."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.cases import selectors, services
from tongban.cases.choices import QueueKind
from tongban.cases.errors import task_not_found
from tongban.catalog import schema_forms
from tongban.core.errors import DomainError, NotFound
from tongban.core.web import form_add_domain_error
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import staff_of

from . import case_forms as f
from .views import staff_login_required


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough to tell rows apart, not to identify anyone."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


# --- queues ---------------------------------------------------------------------------------


@staff_login_required
def queue(request):
    staff = staff_of(request.user)
    form = f.QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    kind = filters.get("kind") or QueueKind.PRE_REVIEW
    rows = selectors.queue_page_for_staff(
        staff=staff,
        kind=kind,
        channel=filters.get("channel") or "",
        overdue_only=bool(filters.get("overdue")),
    )
    for row in rows:
        row["applicant"] = mask_name(row["case"].applicant.name)
    return render(
        request,
        "workbench/cases/queue.html",
        {
            "staff": staff,
            "form": form,
            "kind": kind,
            "tabs": QueueKind.choices,
            "rows": rows,
            "filters": filters,
        },
    )


@staff_login_required
def uploads_saved(request):
    """免提交 in figures, for department heads (their department) and platform admins (all)."""
    staff = staff_of(request.user)
    report = selectors.uploads_saved_report(staff=staff)
    return render(request, "workbench/cases/uploads_saved.html", {"staff": staff, **report})


# --- the case page --------------------------------------------------------------------------


def _answers(case) -> list[dict]:
    """The form answers, personal data masked as everywhere staff look (the applicant line above
    names the person; the full values stay with the case)."""
    source = case.item_version if case.item_version_id else case.theme
    return schema_forms.fields(
        source.form_schema or {}, source.form_ui or {}, selectors.case_answers_for_staff(case)
    )


def _forms(page: dict, bound: dict) -> dict:
    """A blank form for every action the page offers, or the one just posted (with its errors)."""
    actions = page["actions"]
    forms = {
        "correction_items": f.CorrectionItemFormSet(prefix="correction-items"),
        "correction": f.CorrectionDaysForm(prefix="correction"),
        "propose_items": f.CorrectionItemFormSet(prefix="propose-items"),
        "refuse": f.RefuseForm(prefix="refuse"),
        "gaps": f.GapsForm(prefix="gaps"),
        "extend": f.ExtendForm(prefix="extend"),
        "deliver": f.DeliverForm(prefix="deliver"),
    }
    departments = _reassign_choices() if "reassign" in actions else []
    for task in page["own_tasks"]:
        forms[f"decide-{task.pk}"] = f.DecideForm(prefix=f"decide-{task.pk}")
        forms[f"verify-{task.pk}"] = f.VerifyForm(prefix=f"verify-{task.pk}")
        others = [d for d in departments if d[2] != task.department_id]
        forms[f"reassign-{task.pk}"] = f.ReassignForm(
            prefix=f"reassign-{task.pk}", departments=[(c, n) for c, n, _i in others]
        )
    forms.update(bound)
    return forms


def _reassign_choices() -> list[tuple[str, str, int]]:
    return [(d.code, d.name, d.pk) for d in identity_selectors.departments_list()]


def _render(request, staff, page: dict, *, bound=None, error=None, status=200):
    case, forms = page["case"], _forms(page, bound or {})
    own = [
        {
            "task": t,
            "decide": forms[f"decide-{t.pk}"],
            "verify": forms[f"verify-{t.pk}"],
            "reassign": forms[f"reassign-{t.pk}"],
        }
        for t in page["own_tasks"]
    ]
    return render(
        request,
        "workbench/cases/case.html",
        {
            "staff": staff,
            **page,
            "own": own,
            "forms": forms,
            "answers": _answers(case),
            "events": selectors.staff_timeline(case),
            "error": error,
            "form_invalid": bool(bound) and error is None,
        },
        status=status,
    )


@staff_login_required
def case_page(request, case_id: int):
    staff = staff_of(request.user)
    return _render(request, staff, selectors.case_page_for_staff(staff=staff, case_id=case_id))


@staff_login_required
def material_download(request, case_id: int, material_id: int):
    staff = staff_of(request.user)
    material = selectors.case_material_for_staff(
        staff=staff, case_id=case_id, material_id=material_id
    )
    extension = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else "bin"
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=f"{material.name}.{extension}",
        content_type=material.content_type or "application/octet-stream",
    )


# --- actions --------------------------------------------------------------------------------


def _act(request, case_id: int, *, build, call, done: str):
    """Load the page (which refuses staff who may not see the case), bind the posted forms, call
    the service; on success back to the page with a message, else the page with the reason."""
    staff = staff_of(request.user)
    page = selectors.case_page_for_staff(staff=staff, case_id=case_id)
    bound = build(request.POST, page)
    error = None
    if all(form.is_valid() for form in bound.values()):
        try:
            call(staff, bound, page)
        except DomainError as exc:
            error = exc
            for form in bound.values():
                if hasattr(form, "fields"):
                    form_add_domain_error(form, exc)
                    break
        else:
            messages.success(request, done)
            return redirect("workbench:case", case_id=case_id)
    return _render(
        request, staff, page, bound=bound, error=error, status=error.status if error else 400
    )


def _task_id(post, page: dict) -> int:
    """The task a form is about: one of this case's tasks, or 'not found'."""
    try:
        task_id = int(post.get("task", ""))
    except ValueError:
        raise task_not_found() from None
    if task_id not in {t.pk for t in page["case"].tasks.all()}:
        raise task_not_found()
    return task_id


def _no_fields(post, page):
    return {}


@staff_login_required
@require_POST
def case_accept(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, _p: services.case_pre_review_accept(staff=staff, case_id=case_id),
        done=_("已受理。"),
    )


@staff_login_required
@require_POST
def case_correction(request, case_id: int):
    def call(staff, bound, _page):
        services.case_request_correction(
            staff=staff,
            case_id=case_id,
            items=f.correction_items(bound["correction_items"]),
            days=bound["correction"].cleaned_data["days"],
        )

    return _act(
        request,
        case_id,
        build=lambda post, _p: {
            "correction": f.CorrectionDaysForm(post, prefix="correction"),
            "correction_items": f.CorrectionItemFormSet(post, prefix="correction-items"),
        },
        call=call,
        done=_("已出具一次性告知书，等待申请人补正。"),
    )


@staff_login_required
@require_POST
def case_propose_correction(request, case_id: int):
    return _act(
        request,
        case_id,
        build=lambda post, _p: {
            "propose_items": f.CorrectionItemFormSet(post, prefix="propose-items")
        },
        call=lambda staff, bound, _p: services.case_correction_propose(
            staff=staff, case_id=case_id, items=f.correction_items(bound["propose_items"])
        ),
        done=_("补正意见已提交牵头部门，将在其一次性告知书中一并告知申请人。"),
    )


@staff_login_required
@require_POST
def case_refuse(request, case_id: int):
    return _act(
        request,
        case_id,
        build=lambda post, _p: {"refuse": f.RefuseForm(post, prefix="refuse")},
        call=lambda staff, bound, _p: services.case_refuse(
            staff=staff, case_id=case_id, **bound["refuse"].cleaned_data
        ),
        done=_("已作出不予受理决定。"),
    )


@staff_login_required
@require_POST
def case_accept_with_gaps(request, case_id: int):
    return _act(
        request,
        case_id,
        build=lambda post, _p: {"gaps": f.GapsForm(post, prefix="gaps")},
        call=lambda staff, bound, _p: services.case_accept_with_gaps(
            staff=staff,
            case_id=case_id,
            gaps=bound["gaps"].gap_list(),
            days=bound["gaps"].cleaned_data["days"],
        ),
        done=_("已容缺受理，办理时限暂停至材料补齐。"),
    )


@staff_login_required
@require_POST
def case_gaps_close(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, _p: services.case_gaps_close(staff=staff, case_id=case_id),
        done=_("容缺材料已补齐，办理时限恢复计算。"),
    )


@staff_login_required
@require_POST
def case_review_start(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, _p: services.case_review_start(staff=staff, case_id=case_id),
        done=_("已分送审查。"),
    )


@staff_login_required
@require_POST
def case_commitment_approve(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, _p: services.case_commitment_approve(staff=staff, case_id=case_id),
        done=_("已按告知承诺准予许可，并生成承诺核查任务。"),
    )


def _task_form(form_class, name):
    def build(post, page):
        task_id = _task_id(post, page)
        return {f"{name}-{task_id}": form_class(post, prefix=f"{name}-{task_id}")}

    return build


def _only(bound) -> dict:
    """What was posted in the one (task) form of an action."""
    return next(iter(bound.values())).cleaned_data


@staff_login_required
@require_POST
def case_decide(request, case_id: int):
    def call(staff, bound, page):
        data = _only(bound)
        services.task_decide(
            staff=staff,
            task_id=_task_id(request.POST, page),
            decision=data["decision"],
            reasons=data["reasons"],
        )

    return _act(
        request,
        case_id,
        build=_task_form(f.DecideForm, "decide"),
        call=call,
        done=_("审查意见已提交。"),
    )


@staff_login_required
@require_POST
def case_verify(request, case_id: int):
    def call(staff, bound, page):
        data = _only(bound)
        services.task_verify(
            staff=staff,
            task_id=_task_id(request.POST, page),
            passed=data["result"] == "pass",
            note=data["note"],
        )

    return _act(
        request,
        case_id,
        build=_task_form(f.VerifyForm, "verify"),
        call=call,
        done=_("承诺核查结果已记录。"),
    )


@staff_login_required
@require_POST
def case_reassign(request, case_id: int):
    def build(post, page):
        task_id = _task_id(post, page)
        choices = [(c, n) for c, n, _i in _reassign_choices()]
        prefix = f"reassign-{task_id}"
        return {prefix: f.ReassignForm(post, prefix=prefix, departments=choices)}

    def call(staff, bound, page):
        services.task_reassign(
            staff=staff,
            task_id=_task_id(request.POST, page),
            department_code=_only(bound)["department_code"],
        )

    return _act(request, case_id, build=build, call=call, done=_("审查任务已改派。"))


@staff_login_required
@require_POST
def case_extend(request, case_id: int):
    return _act(
        request,
        case_id,
        build=lambda post, _p: {"extend": f.ExtendForm(post, prefix="extend")},
        call=lambda staff, bound, _p: services.case_extend(
            staff=staff, case_id=case_id, reason=bound["extend"].cleaned_data["reason"]
        ),
        done=_("已批准延期，法定办结日已顺延。"),
    )


@staff_login_required
@require_POST
def case_deliver(request, case_id: int):
    return _act(
        request,
        case_id,
        build=lambda post, _p: {"deliver": f.DeliverForm(post, prefix="deliver")},
        call=lambda staff, bound, _p: services.case_deliver(
            staff=staff, case_id=case_id, **bound["deliver"].cleaned_data
        ),
        done=_("办理结果已送达。"),
    )


@staff_login_required
@require_POST
def case_close(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, _p: services.case_close(staff=staff, case_id=case_id),
        done=_("办件已办结。"),
    )


def _material_id(post, page: dict) -> int:
    """The material a button is about: one of this case's materials, or 'not found'."""
    try:
        material_id = int(post.get("material", ""))
    except ValueError:
        material_id = 0
    if material_id not in {m.pk for m in page["case"].materials.all()}:
        raise NotFound("case.material.not_found", _("材料不存在。"))
    return material_id


@staff_login_required
@require_POST
def case_material_verify(request, case_id: int):
    return _act(
        request,
        case_id,
        build=_no_fields,
        call=lambda staff, _b, page: services.case_material_verify(
            staff=staff, material_id=_material_id(request.POST, page)
        ),
        done=_("材料原件已核验（C 类 → B 类）。"),
    )
