"""Offers: the product a workspace sells, which leads are scored against."""
