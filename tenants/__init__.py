"""Control plane: tenants, compounds and housing, owners' committees, plans, subscriptions, module enabling."""
