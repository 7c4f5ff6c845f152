from django.urls import path

from . import (
    appointment_views,
    case_views,
    counter_views,
    exchange_views,
    hotline_views,
    licence_views,
    registry_views,
    report_views,
    views,
)

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("people/lookup/", views.person_lookup, name="person_lookup"),
    path("departments/<slug:code>/staff/", views.department_staff, name="department_staff"),
    # cases: queues, the case page and its actions (each a POST calling one service)
    path("cases/", case_views.queue, name="case_queue"),
    path("cases/uploads-saved/", case_views.uploads_saved, name="uploads_saved"),
    path("reports/materials/", report_views.materials, name="report_materials"),
    path("registries/", registry_views.home, name="registries"),
    path("registries/<slug:code>/", registry_views.department, name="registry_department"),
    path("cases/<int:case_id>/", case_views.case_page, name="case"),
    path(
        "cases/<int:case_id>/materials/<int:material_id>/",
        case_views.material_download,
        name="case_material",
    ),
    path(
        "cases/<int:case_id>/material-verify/",
        case_views.case_material_verify,
        name="case_material_verify",
    ),
    path("cases/<int:case_id>/accept/", case_views.case_accept, name="case_accept"),
    path("cases/<int:case_id>/correction/", case_views.case_correction, name="case_correction"),
    path(
        "cases/<int:case_id>/propose-correction/",
        case_views.case_propose_correction,
        name="case_propose_correction",
    ),
    path("cases/<int:case_id>/refuse/", case_views.case_refuse, name="case_refuse"),
    path(
        "cases/<int:case_id>/accept-with-gaps/",
        case_views.case_accept_with_gaps,
        name="case_accept_with_gaps",
    ),
    path("cases/<int:case_id>/gaps-close/", case_views.case_gaps_close, name="case_gaps_close"),
    path(
        "cases/<int:case_id>/review-start/", case_views.case_review_start, name="case_review_start"
    ),
    path(
        "cases/<int:case_id>/commitment-approve/",
        case_views.case_commitment_approve,
        name="case_commitment_approve",
    ),
    path("cases/<int:case_id>/decide/", case_views.case_decide, name="case_decide"),
    path("cases/<int:case_id>/verify/", case_views.case_verify, name="case_verify"),
    path("cases/<int:case_id>/reassign/", case_views.case_reassign, name="case_reassign"),
    path("cases/<int:case_id>/extend/", case_views.case_extend, name="case_extend"),
    path("cases/<int:case_id>/deliver/", case_views.case_deliver, name="case_deliver"),
    path("cases/<int:case_id>/close/", case_views.case_close, name="case_close"),
    # 一窗受理
    path("counter/", counter_views.find_item, name="counter"),
    path("counter/items/<int:item_id>/", counter_views.intake, name="counter_intake"),
    path("counter/receipts/<int:case_id>/", counter_views.receipt, name="counter_receipt"),
    # 电子证照库: the department's licences; one POST view for the actions, by slug
    path("licences/", licence_views.licence_list, name="licences"),
    path("licences/issue/", licence_views.licence_issue, name="licence_issue"),
    path("licences/import/", licence_views.licence_import, name="licence_import"),
    path("licences/<int:licence_id>/", licence_views.licence_page, name="licence"),
    path(
        "licences/<int:licence_id>/<slug:action>/",
        licence_views.licence_action,
        name="licence_action",
    ),
    # 网上预约: arrivals and check-in, groups, publishing slots
    path("appointments/", appointment_views.desk, name="appointments"),
    path(
        "appointments/<int:appointment_id>/check-in/",
        appointment_views.check_in,
        name="appointment_check_in",
    ),
    path(
        "appointments/groups/<int:group_id>/",
        appointment_views.group,
        name="appointment_group",
    ),
    # 数据共享交换: resources, requests and their decisions, client systems
    path("exchange/", exchange_views.desk, name="exchange"),
    path("exchange/resources/new/", exchange_views.resource_new, name="exchange_resource_new"),
    path(
        "exchange/resources/<int:resource_id>/request/",
        exchange_views.resource_request,
        name="exchange_request",
    ),
    path(
        "exchange/grants/<int:grant_id>/approve/",
        exchange_views.grant_approve,
        name="exchange_approve",
    ),
    path(
        "exchange/grants/<int:grant_id>/refuse/",
        exchange_views.grant_refuse,
        name="exchange_refuse",
    ),
    path(
        "exchange/grants/<int:grant_id>/revoke/",
        exchange_views.grant_revoke,
        name="exchange_revoke",
    ),
    path("exchange/clients/", exchange_views.client_register, name="exchange_client_register"),
    # 12345 热线
    path("hotline/", hotline_views.agent_desk, name="hotline_agent"),
    path("hotline/dispatch/", hotline_views.dispatch_desk, name="hotline_dispatch"),
    path("hotline/grid/", hotline_views.grid_patrol, name="hotline_grid"),
    path("hotline/queue/", hotline_views.department_queue, name="hotline_queue"),
    path("hotline/board/", hotline_views.board, name="hotline_board"),
    path("hotline/analysis/", hotline_views.analysis, name="hotline_analysis"),
    path("hotline/tickets/<int:ticket_id>/", hotline_views.ticket_page, name="hotline_ticket"),
    path(
        "hotline/tickets/<int:ticket_id>/attachments/<int:attachment_id>/",
        hotline_views.attachment_download,
        name="hotline_attachment",
    ),
    path(
        "hotline/tickets/<int:ticket_id>/<slug:action>/",
        hotline_views.ticket_action,
        name="hotline_action",
    ),
]
