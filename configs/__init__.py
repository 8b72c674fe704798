"""Configuration files shipped with linnet (distributions, table definitions, published values)."""
