"""Code shared by the GetAccount and Sync functions: the read model's schema, access levels,
settings and observability. Deliberately light: the read path imports it on every cold start."""
