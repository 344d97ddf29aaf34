"""Ingestion: files -> text with page/section metadata -> chunks -> embeddings -> Chroma + keyword index."""
