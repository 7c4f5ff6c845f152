from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("life/<slug:event>/", views.life_event, name="life_event"),
    path("business/<slug:stage>/", views.enterprise_stage, name="enterprise_stage"),
    path("departments/", views.departments, name="departments"),
    path("departments/<slug:code>/", views.department, name="department"),
    path("themes/<slug:code>/", views.theme, name="theme"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/print/", views.item_print, name="item_print"),
    path("items/<int:item_id>/form/", views.item_form, name="item_form"),
    path("themes/<slug:code>/form/", views.theme_form, name="theme_form"),
    path(
        "materials/<int:material_id>/<str:kind>/",
        views.material_file,
        name="material_file",
    ),
]
