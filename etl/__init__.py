"""Wijkbeeld ETL: readers -> text steps -> staging -> marts -> atomic swap. Never imports streamlit."""
