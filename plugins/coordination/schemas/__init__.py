"""Request and response structs of coordination, one module per part."""
