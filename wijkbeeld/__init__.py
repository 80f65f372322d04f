"""Wijkbeeld: read side and shared settings (imported by the dashboard, the ETL and the tests)."""
