from django.conf import settings


def platform(request):
    return {
        "TONGBAN_DEMO": settings.TONGBAN_DEMO,
        "TONGBAN_DEMO_OUTBOX": settings.TONGBAN_DEMO_OUTBOX,
    }


def next_url(request):
    """The ``next`` a login page should carry along (checked again when it is used)."""
    return {"next_url": request.POST.get("next") or request.GET.get("next") or ""}
