"""The leadscoring Django project."""
