"""Ceiling views for bench/: the least Django can do on the same database. Mounted only when
TONGBAN_BENCH=1."""

import secrets
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import AuditChainHead


def bare_read(request):
    """A primary-key read and a small JSON answer: what any of our pages must at least do."""
    head = AuditChainHead.objects.filter(pk=1).values("seq").first()
    return JsonResponse({"seq": head["seq"] if head else 0})


def bare_hello(request):
    """The same small JSON answer without touching the database: a reference point that shows
    what the read (and, on SQLite, opening a connection per request) costs."""
    return JsonResponse({"seq": 0})


@csrf_exempt
@require_POST
def bare_insert(request):
    """One committed INSERT of one row and a small JSON answer: the least any write can cost.
    The row is a session that has already expired (``clearsessions`` removes them)."""
    Session.objects.create(
        session_key=secrets.token_hex(16),
        session_data="",
        expire_date=timezone.now() - timedelta(seconds=1),
    )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [
    path("bare/read", bare_read),
    path("bare/hello", bare_hello),
    path("bare/insert", bare_insert),
]
