"""Ceiling views for bench/: the least Django can do on the same database. Mounted only when
TONGBAN_BENCH=1."""

from django.http import JsonResponse
from django.urls import path

from .models import AuditChainHead


def bare_read(request):
    """A primary-key read and a small JSON answer: what any of our pages must at least do."""
    head = AuditChainHead.objects.filter(pk=1).values("seq").first()
    return JsonResponse({"seq": head["seq"] if head else 0})


def bare_hello(request):
    """The same small JSON answer without touching the database: a reference point that shows
    what the read (and, on SQLite, opening a connection per request) costs."""
    return JsonResponse({"seq": 0})


urlpatterns = [path("bare/read", bare_read), path("bare/hello", bare_hello)]
