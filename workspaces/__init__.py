"""Workspaces: the team that owns every offer, lead, run and result, and its API keys."""
