"""Glue shared by every app's API: authentication, errors, pagination, routes."""
