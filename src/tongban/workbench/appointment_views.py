"""网上预约 at the center: today's arrivals with check-in (the queue number is shown at once),
the center's item groups, and publishing slots for a group. Only counter clerks and department
heads of the center itself; thin: parse → call the appointments services/selectors → render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.cases import appointment_selectors as selectors
from tongban.cases import appointments as services
from tongban.core.errors import DomainError
from tongban.core.web import form_add_domain_error, form_status
from tongban.identity.access import staff_of

from .appointment_forms import GroupForm, PublishForm
from .case_views import mask_name
from .views import staff_login_required


def _desk(request, staff, *, form=None, form_error=None, check_in_error=None):
    """The desk page; a refused check-in is shown above the arrivals, a refused new group on
    its form."""
    form = form or GroupForm()
    context = {
        "staff": staff,
        "arrivals": [
            {"appointment": a, "name": mask_name(a.person.name)}
            for a in selectors.arrivals_for_staff(staff=staff)
        ],
        "today": timezone.localdate(),
        "groups": selectors.groups_for_staff(staff=staff),
        "form": form,
        "check_in_error": check_in_error,
    }
    status = check_in_error.status if check_in_error else form_status(form, form_error)
    return render(request, "workbench/appointments/desk.html", context, status=status)


@staff_login_required
def desk(request):
    staff = staff_of(request.user)
    if request.method != "POST":
        return _desk(request, staff)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            group = services.appointment_group_create(staff=staff, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
            return _desk(request, staff, form=form, form_error=exc)
        messages.success(request, _("已新建业务分组“%(name)s”。") % {"name": group.name})
        return redirect("workbench:appointment_group", group_id=group.pk)
    return _desk(request, staff, form=form)


@staff_login_required
@require_POST
def check_in(request, appointment_id: int):
    staff = staff_of(request.user)
    try:
        appointment = services.appointment_check_in(staff=staff, appointment_id=appointment_id)
    except DomainError as exc:
        return _desk(request, staff, check_in_error=exc)
    messages.success(
        request,
        _("%(name)s 已签到，排队号 %(number)s。")
        % {"name": mask_name(appointment.person.name), "number": appointment.queue_number},
    )
    return redirect("workbench:appointments")


@staff_login_required
def group(request, group_id: int):
    staff = staff_of(request.user)
    found = selectors.group_for_staff(staff=staff, group_id=group_id)
    form = PublishForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.appointment_slots_publish(
                staff=staff, group_id=found.pk, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            messages.success(request, _("已发布 %(n)d 个时段。") % {"n": created})
            return redirect("workbench:appointment_group", group_id=found.pk)
    context = {
        "staff": staff,
        "group": found,
        "form": form,
        "slots": selectors.slots_for_staff(staff=staff, group_id=found.pk),
    }
    return render(
        request,
        "workbench/appointments/group.html",
        context,
        status=form_status(form, error),
    )
