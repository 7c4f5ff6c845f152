from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("people/lookup/", views.person_lookup, name="person_lookup"),
    path("departments/<slug:code>/staff/", views.department_staff, name="department_staff"),
]
