from django.urls import path

from firmid.myaccount import views

app_name = "myaccount"
urlpatterns = [path("", views.home, name="home")]
