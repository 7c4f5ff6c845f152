from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("login/", views.login_password, name="login"),
    path("login/sms/", views.login_sms, name="login_sms"),
    path("login/totp/", views.login_totp, name="login_totp"),
    path("logout/", views.logout, name="logout"),
    path("me/", views.me, name="me"),
    path("me/security/totp/", views.totp_setup, name="totp_setup"),
    path("me/acting/", views.acting_choose, name="acting_choose"),
    path("me/enterprises/<str:uscc>/", views.entity_agents, name="entity_agents"),
    path(
        "me/enterprises/<str:uscc>/authorizations/<int:authorization_id>/revoke/",
        views.entity_agent_revoke,
        name="entity_agent_revoke",
    ),
    path("demo/outbox/", views.demo_outbox, name="demo_outbox"),
]
