"""The area plugins of the standard (《红色物业建设规范》), one package per area."""
