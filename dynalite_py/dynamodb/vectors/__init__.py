"""Vector indexes: their definitions in table records, their entries kept
with every item write, and SearchVectors."""
