"""Ceiling views for bench/: the least Django can do on the same database. Mounted only when
TONGBAN_BENCH=1."""

from django.http import JsonResponse
from django.urls import path

from .models import AuditChainHead


def bare_read(request):
    """A primary-key read and a small JSON answer: what any of our pages must at least do."""
    head = AuditChainHead.objects.filter(pk=1).values("seq").first()
    return JsonResponse({"seq": head["seq"] if head else 0})


urlpatterns = [path("bare/read", bare_read)]
