"""「站内消息」: a citizen's inbox of in-site messages (every message about their cases and
appointments lands here), newest first, unread ones marked; opening one marks it read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tongban.core.errors import Forbidden
from tongban.identity import selectors as identity
from tongban.notify import selectors as notify
from tongban.notify import services as notify_services

PER_PAGE = 20


def _citizen(request):
    if identity.person_for_account(request.user) is None:
        raise Forbidden("person.required", _("此页面仅限个人账号使用，工作人员请进入工作台。"))


@login_required
def inbox(request):
    _citizen(request)
    page = Paginator(notify.inbox_for_account(account=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/inbox/list.html", {"page": page})


@login_required
def inbox_message(request, message_id: int):
    _citizen(request)
    message = notify_services.inbox_message_open(account=request.user, message_id=message_id)
    return render(request, "portal/inbox/message.html", {"message": message})


@login_required
@require_POST
def inbox_read_all(request):
    _citizen(request)
    count = notify_services.inbox_mark_all_read(account=request.user)
    messages.success(
        request,
        ngettext("%(count)d 条消息已标为已读。", "%(count)d 条消息已标为已读。", count)
        % {"count": count},
    )
    return redirect("portal:inbox")
