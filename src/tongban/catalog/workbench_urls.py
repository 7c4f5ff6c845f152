from django.urls import path

from . import staff_views as views

app_name = "catalog_workbench"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:item_id>/draft/", views.item_draft, name="item_draft"),
    path("versions/<int:version_id>/", views.version_detail, name="version"),
    path("versions/<int:version_id>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:version_id>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:version_id>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:version_id>/reject/", views.version_reject, name="version_reject"),
    path("review/", views.review_queue, name="review"),
    path("import/", views.items_import, name="import"),
    path("export.<str:fmt>", views.items_export, name="export"),
]
