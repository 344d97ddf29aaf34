"""The answer engine: hybrid retrieval, permission filter, cited answers (see issue: answer engine)."""
