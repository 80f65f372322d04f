"""One module per real source format. Readers know their format and nothing of the database."""
