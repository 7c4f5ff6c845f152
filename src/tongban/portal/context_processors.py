"""What every portal page's header shows a signed-in citizen: the unread count of their inbox."""

from functools import cached_property

from tongban.identity.choices import AccountKind
from tongban.notify import selectors as notify


class Inbox:
    """The header's inbox link. The count is one COUNT query, run only if a template reads it and
    at most once per request (the workbench's header never shows it, so never asks)."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def unread(self) -> int:
        cached = getattr(self.request, "_inbox_unread", None)
        if cached is None:
            cached = notify.inbox_unread_count(account=self.request.user)
            self.request._inbox_unread = cached
        return cached


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.kind != AccountKind.PERSON:
        return {}
    return {"inbox": Inbox(request)}
