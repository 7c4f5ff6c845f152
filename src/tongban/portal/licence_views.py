"""我的证照 (the holder's wallet: cards, a licence's face and log, its PDF, 授权用证 shares) and
the two public pages of licences: a share's page for its verifier, and the verify page for a
pasted or uploaded credential. Thin: parse → call licences services/selectors → render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError
from tongban.credentials.choices import VerificationResult as R
from tongban.credentials.verify import MAX_CREDENTIAL_LENGTH, verify
from tongban.licences import selectors as licences
from tongban.licences import services as licence_services
from tongban.licences.choices import HolderCodeType, LicenceStatus, ShareExpiry

from .licence_pdf import licence_pdf
from .views import _person, _qr_svg

RESULT_LABELS = {
    R.VALID: gettext_lazy("有效"),
    R.EXPIRED: gettext_lazy("已过期"),
    R.NOT_YET_VALID: gettext_lazy("尚未生效"),
    R.REVOKED: gettext_lazy("已撤销"),
    R.SUSPENDED: gettext_lazy("已暂停"),
    R.SIGNATURE_INVALID: gettext_lazy("签名无效：内容可能被篡改"),
    R.UNKNOWN_ISSUER: gettext_lazy("签发机构不是本平台的颁发机构"),
    R.MALFORMED: gettext_lazy("格式不正确，不是本平台签发的电子证照凭证"),
}
# The envelope's claims a verifier page shows first, in this order; the rest follow.
_FIRST = ("licence_type", "licence_identifier", "issuer_name", "issued_on")
_HIDDEN = frozenset({"licence_type_code"})


def _claim_rows(disclosed: dict) -> list[tuple[str, str, str]]:
    """(claim, label, value) of a verified credential's claims, for a page."""
    labels = licences.claim_labels(str(disclosed.get("licence_type_code", "")))
    names = [n for n in _FIRST if n in disclosed] + [
        n for n in disclosed if n not in _FIRST and n not in _HIDDEN
    ]
    rows = []
    for name in names:
        value = disclosed[name]
        if name == "holder_code_type" and value in HolderCodeType.values:
            value = HolderCodeType(value).label
        rows.append((name, labels.get(name, name), str(value)))
    return rows


def _result(checked) -> dict:
    return {
        "result": checked.result,
        "result_label": RESULT_LABELS[checked.result],
        "rows": _claim_rows(checked.disclosed),
        "status_checked": checked.status_checked,
    }


# --- the holder -------------------------------------------------------------------------------


@login_required
def my_licences(request):
    _person(request)
    return render(
        request,
        "portal/licences/wallet.html",
        {"entries": licences.wallet_for_account(account=request.user)},
    )


def _detail(request, licence_id: int):
    _person(request)
    return licences.licence_for_holder(account=request.user, licence_id=licence_id)


@login_required
def my_licence(request, licence_id: int):
    detail = _detail(request, licence_id)
    return render(request, "portal/licences/detail.html", {"detail": detail})


@login_required
def my_licence_pdf(request, licence_id: int):
    detail = _detail(request, licence_id)
    licence = detail.entry.licence
    body = licence_pdf(
        entry=detail.entry, face=detail.face, status_label=LicenceStatus(detail.entry.status).label
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.pk}.pdf"'
    return response


@login_required
def licence_share_new(request, licence_id: int):
    """授权用证: pick the fields and the expiry; the link (and its QR code) is shown once."""
    detail = _detail(request, licence_id)
    chosen = request.POST.getlist("fields") if request.method == "POST" else []
    expires_in = request.POST.get("expires_in", ShareExpiry.DAY)
    context = {
        "detail": detail,
        "chosen": chosen,
        "expiries": ShareExpiry.choices,
        "expires_in": expires_in,
    }
    status = 200
    if request.method == "POST":
        try:
            share, token = licence_services.licence_share_create(
                account=request.user, licence_id=licence_id, fields=chosen, expires_in=expires_in
            )
        except DomainError as exc:
            context["error"], status = exc, exc.status
        else:
            link = request.build_absolute_uri(reverse("portal:licence_shared", args=[token]))
            context.update(share=share, link=link, qr_svg=_qr_svg(link))
            status = 201
    return render(request, "portal/licences/share.html", context, status=status)


@login_required
@require_POST
def licence_share_revoke(request, share_id: int):
    _person(request)
    share = licence_services.licence_share_revoke(account=request.user, share_id=share_id)
    messages.success(request, _("授权已撤回，该链接不能再使用。"))
    return redirect("portal:my_licence", licence_id=share.licence_id)


# --- the public -------------------------------------------------------------------------------


def licence_shared(request, token: str):
    """A share's page: the link's verifier states a purpose (or not) and views it; only then
    is the licence presented, verified and the use recorded. A share that is unknown (404),
    withdrawn or expired (410) shows why and nothing else."""
    if request.method != "POST":
        share = licence_services.share_open_or_error(token)
        return render(request, "portal/licences/shared.html", {"share": share})
    used = licence_services.licence_share_use(token=token, purpose=request.POST.get("purpose", ""))
    return render(
        request,
        "portal/licences/shared.html",
        {"share": used.share, "used": True, **_result(used.verification)},
    )


def licence_verify(request):
    """验证电子证照: a credential pasted, uploaded or in the link (the PDF's QR code)."""
    text, error = "", ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_LENGTH:
                text, error = None, "too_large"
            else:
                try:
                    text = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    text, error = None, "not_text"
        else:
            text = request.POST.get("credential", "")
    else:
        text = request.GET.get("credential", "")
    text = (text or "").strip()
    if text and len(text) > MAX_CREDENTIAL_LENGTH:
        error = "too_large"
    context: dict = {"credential": text if not error else ""}
    status = 200
    if error == "too_large":
        context["error"] = _("凭证内容超过 64 KiB，不是本平台签发的电子证照凭证。")
        status = 413
    elif error == "not_text":
        context["error"] = _("上传的文件不是文本格式的凭证。")
        status = 400
    elif text:
        context.update(_result(verify(text)))
    elif request.method == "POST":
        context["error"] = _("请粘贴凭证内容或选择凭证文件。")
        status = 400
    return render(request, "portal/licences/verify.html", context, status=status)
