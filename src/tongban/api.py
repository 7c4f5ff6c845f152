"""The one JSON API (v1). Each context mounts its router here; OpenAPI at /api/v1/docs.

The docs page is Swagger UI served from ninja's own static files (``ninja`` is an installed
app), so it works offline and passes the Content-Security-Policy; the online validator, which
would send our schema to swagger.io, is off."""

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from tongban.cases.api import router as cases_router
from tongban.cases.appointment_api import router as appointments_router
from tongban.catalog.api import router as catalog_router
from tongban.core.api import StrictParser, install_error_handlers
from tongban.credentials.api import router as credentials_router
from tongban.exchange.api import router as exchange_router
from tongban.hotline.api import router as hotline_router
from tongban.identity.api import router as identity_router
from tongban.licences.api import router as licences_router

api = NinjaAPI(
    title="Tongban API",
    version="1",
    description="一网通办平台接口。错误统一返回 code / message / fields。",
    urls_namespace="api-v1",
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None}),
    parser=StrictParser(),
)
install_error_handlers(api)
api.add_router("/identity/", identity_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/cases/", cases_router)
api.add_router("/cases/appointments/", appointments_router)
api.add_router("/licences/", licences_router)
api.add_router("/licences/", credentials_router)
api.add_router("/exchange/", exchange_router)
api.add_router("/hotline/", hotline_router)


@csrf_exempt
def api_fallback(request, rest: str = ""):
    """Any /api/ path no operation matches. An operation's path without its trailing slash
    (``POST /api/v1/cases``) is that operation, answered in place — API clients do not follow
    redirects with their body — and anything else is the JSON 404, never an HTML page.
    (CSRF stays the operation's own check, as for its canonical path.)"""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.namespace == api.urls_namespace:
            return match.func(request, *match.args, **match.kwargs)
    body = {"code": "not_found", "message": _("没有这个接口。"), "fields": {}}
    return JsonResponse(body, status=404)
