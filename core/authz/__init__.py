"""Authorisation: casbin RBAC with domains, role templates, a fast exact guard."""
