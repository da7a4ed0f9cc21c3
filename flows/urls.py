from django.urls import path

from flows import views

urlpatterns = [
    path("", views.builder, name="flow-builder"),
    path("demo/order-status/", views.demo_order_status, name="flow-demo-order-status"),
]
