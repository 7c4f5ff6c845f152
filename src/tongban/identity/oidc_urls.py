from django.urls import include, path, re_path
from oauth2_provider import views as oauth2_views

urlpatterns = [
    path("oidc/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oauth2_views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-discovery",
    ),
]
