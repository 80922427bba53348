"""Invoicing URLs, mounted at the site root."""

from django.urls import path

from invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("invoices/", views.overview, name="overview"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/columns/", views.save_columns, name="save_columns"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/book/", views.invoice_book, name="invoice_book"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("company/switch/", views.company_switch, name="switch_company"),
    path("language/", views.set_language, name="set_language"),
]
