"""The agent's pages."""

from django.urls import path

from listings import views

app_name = "listings"
urlpatterns = [
    path("", views.listing_list, name="list"),
    path("listings/<int:pk>/media/", views.media_manager, name="media"),
]
