"""``edit``: bulk changes to employer files that keep every comment."""
