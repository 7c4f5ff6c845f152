"""Routes of the OpenID Connect provider, mounted at the site root.

They form one ``oauth2_provider`` namespace so that django-oauth-toolkit, which derives the
issuer by reversing ``oauth2_provider:oidc-connect-discovery-info`` and cutting off
``/.well-known/openid-configuration``, finds the discovery document at the root: the issuer
is then the site root (``https://host``), as OpenID Connect Discovery requires of a document
served at ``/.well-known/openid-configuration``, and it is the same in discovery, in the ``iss``
of every ID token and in the ``iss`` of authorization responses (RFC 9207).

Only what a relying party needs is exposed. DOT's application-management pages (which let any
signed-in user register a client) and its device flow are left out: platform admins register
clients in the Django admin or with ``tongban oidc_client``.
"""

from django.urls import include, path, re_path
from oauth2_provider import views as dot

from .oidc import AuthorizationView, LogoutView, UserInfoView

_patterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        dot.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        dot.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path("oidc/authorize/", AuthorizationView.as_view(), name="authorize"),
    path("oidc/token/", dot.TokenView.as_view(), name="token"),
    path("oidc/revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("oidc/userinfo/", UserInfoView.as_view(), name="user-info"),
    path("oidc/jwks/", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("oidc/logout/", LogoutView.as_view(), name="rp-initiated-logout"),
]

urlpatterns = [path("", include((_patterns, "oauth2_provider"), namespace="oauth2_provider"))]
