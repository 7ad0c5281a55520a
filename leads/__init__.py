"""Leads: CSV uploads and the people in them."""
