"""Notifications: the in-app inbox and delivery channels (email, SMS, WeChat) sent from jobs."""
