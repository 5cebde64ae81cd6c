"""Identity: users, tenant memberships, login, bearer tokens, lockout."""
