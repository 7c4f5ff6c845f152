from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path(
        ".well-known/jwt-vc-issuer/issuers/<slug:code>",
        views.issuer_metadata,
        name="issuer-metadata",
    ),
    path("issuers/<slug:code>/jwks", views.issuer_jwks, name="issuer-jwks"),
    path(
        "issuers/<slug:code>/status-lists/<int:list_id>",
        views.status_list,
        name="status-list",
    ),
]
