"""The one JSON API (v1). Each context mounts its router here; OpenAPI at /api/v1/docs.

The docs page is Swagger UI served from ninja's own static files (``ninja`` is an installed
app), so it works offline and passes the Content-Security-Policy; the online validator, which
would send our schema to swagger.io, is off."""

from ninja import NinjaAPI, Swagger

from tongban.cases.api import router as cases_router
from tongban.cases.appointment_api import router as appointments_router
from tongban.catalog.api import router as catalog_router
from tongban.core.api import install_error_handlers
from tongban.identity.api import router as identity_router

api = NinjaAPI(
    title="Tongban API",
    version="1",
    description="一网通办平台接口。错误统一返回 code / message / fields。",
    urls_namespace="api-v1",
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)
api.add_router("/identity/", identity_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/cases/", cases_router)
api.add_router("/cases/appointments/", appointments_router)
