"""Putting a checked login into the browser session, with the TOTP step in between.

A login whose account has a confirmed authenticator is held as *pending* (account id, method,
time) until the second factor is given; only then does Django's ``login`` rotate the session."""

import time
from urllib.parse import quote

from django.contrib.auth import login, logout
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import services
from .models import Account

_PENDING = "tongban_pending_login"
PENDING_TTL_SECONDS = 300


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else fallback


def login_begin(request, account: Account, *, method: str, fallback: str) -> str:
    """After the first factor: log in and return where to go (``next`` or ``fallback``), or
    hold the login as pending and return the TOTP step's address, carrying ``next`` along
    (quoted: an OIDC authorize URL has query parameters of its own)."""
    next_url = safe_next(request, fallback=fallback)
    if services.totp_required(account):
        request.session[_PENDING] = {"account": account.pk, "method": method, "at": time.time()}
        return f"{reverse('portal:login_totp')}?next={quote(next_url)}"
    login_finish(request, account, method=method)
    return next_url


def pending_account(request) -> Account | None:
    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending["at"] > PENDING_TTL_SECONDS:
        return None
    return Account.objects.filter(pk=pending["account"], is_active=True).first()


def pending_method(request) -> str:
    return (request.session.get(_PENDING) or {}).get("method", "password")


def login_finish(request, account: Account, *, method: str) -> None:
    request.session.pop(_PENDING, None)
    login(request, account, backend="django.contrib.auth.backends.ModelBackend")
    services.login_completed(account=account, method=method)


def logout_finish(request) -> None:
    if request.user.is_authenticated:
        services.logout_recorded(account=request.user)
    logout(request)
