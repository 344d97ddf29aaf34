"""The question benchmark and its report (see issue: question benchmark)."""
