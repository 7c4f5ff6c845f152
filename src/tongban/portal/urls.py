from django.urls import path

from . import (
    appointment_views,
    case_views,
    hotline_views,
    inbox_views,
    licence_views,
    material_views,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("login/", views.login_password, name="login"),
    path("login/sms/", views.login_sms, name="login_sms"),
    path("login/totp/", views.login_totp, name="login_totp"),
    path("login/forgot/", views.password_forgot, name="password_forgot"),
    path("logout/", views.logout, name="logout"),
    path("me/", views.me, name="me"),
    path("me/data-use/", views.data_use, name="data_use"),
    path("me/security/totp/", views.totp_setup, name="totp_setup"),
    path("me/security/password/", views.password_change, name="password_change"),
    path("me/security/mobile/", views.mobile_change, name="mobile_change"),
    path("me/acting/", views.acting_choose, name="acting_choose"),
    path("me/enterprises/<str:uscc>/", views.entity_agents, name="entity_agents"),
    path(
        "me/enterprises/<str:uscc>/authorizations/<int:authorization_id>/revoke/",
        views.entity_agent_revoke,
        name="entity_agent_revoke",
    ),
    path("demo/outbox/", views.demo_outbox, name="demo_outbox"),
    # 站内消息
    path("me/inbox/", inbox_views.inbox, name="inbox"),
    path("me/inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("me/inbox/<int:message_id>/", inbox_views.inbox_message, name="inbox_message"),
    # the applicant's cases
    path("apply/items/<int:item_id>/", case_views.apply_item, name="apply_item"),
    path("apply/themes/<slug:code>/", case_views.apply_theme, name="apply_theme"),
    path("me/cases/", case_views.my_cases, name="my_cases"),
    path("me/cases/<int:case_id>/", case_views.my_case, name="my_case"),
    path("me/cases/<int:case_id>/edit/", case_views.case_edit, name="case_edit"),
    path("me/cases/<int:case_id>/receipt/", case_views.case_receipt, name="case_receipt"),
    path("me/cases/<int:case_id>/correct/", case_views.case_correct, name="case_correct"),
    path("me/cases/<int:case_id>/withdraw/", case_views.case_withdraw, name="case_withdraw"),
    path(
        "me/cases/<int:case_id>/materials/<int:material_id>/",
        material_views.case_material_download,
        name="case_material",
    ),
    # 我的证照 and the licences' public pages
    path("me/licences/", licence_views.my_licences, name="my_licences"),
    path("me/licences/<int:licence_id>/", licence_views.my_licence, name="my_licence"),
    path("me/licences/<int:licence_id>/pdf/", licence_views.my_licence_pdf, name="my_licence_pdf"),
    path(
        "me/licences/<int:licence_id>/share/",
        licence_views.licence_share_new,
        name="licence_share_new",
    ),
    path(
        "me/licences/shares/<int:share_id>/revoke/",
        licence_views.licence_share_revoke,
        name="licence_share_revoke",
    ),
    path("licences/shared/<str:token>/", licence_views.licence_shared, name="licence_shared"),
    path("licences/verify/", licence_views.licence_verify, name="licence_verify"),
    path("status/", case_views.status_query, name="status_query"),
    # 我要诉求 (12345)
    path("hotline/new/", hotline_views.request_new, name="request_new"),
    path("me/requests/", hotline_views.my_requests, name="my_requests"),
    path("me/requests/<int:ticket_id>/", hotline_views.my_request, name="my_request"),
    path(
        "me/requests/<int:ticket_id>/callback/",
        hotline_views.request_callback,
        name="request_callback",
    ),
    # 网上预约
    path("appointments/", appointment_views.groups, name="appointment_groups"),
    path(
        "appointments/groups/<int:group_id>/",
        appointment_views.group,
        name="appointment_group",
    ),
    path(
        "appointments/groups/<int:group_id>/book/",
        appointment_views.book,
        name="appointment_book",
    ),
    path("appointments/mine/", appointment_views.mine, name="my_appointments"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        appointment_views.reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        appointment_views.cancel,
        name="appointment_cancel",
    ),
]
