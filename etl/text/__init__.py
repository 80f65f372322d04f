"""Pure text steps (redaction, pseudonyms, themes, tone): no I/O, no database."""
