from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from tongban.api import api, api_fallback

urlpatterns = [
    path("", include("tongban.portal.urls")),
    path("services/", include("tongban.catalog.urls")),
    path("workbench/catalog/", include("tongban.catalog.workbench_urls")),
    path("workbench/", include("tongban.workbench.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_fallback),
    path("open311/v2/", include("tongban.hotline.urls")),
    path("", include("tongban.identity.oidc_urls")),
    path("", include("tongban.credentials.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.TONGBAN_BENCH:
    urlpatterns.append(path("bench/", include("tongban.core.bench_urls")))
