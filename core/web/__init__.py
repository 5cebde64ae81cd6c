"""The web console and resident portal: server-rendered Jinja + htmx pages, cookie sessions, CSRF, i18n."""
