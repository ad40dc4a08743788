"""Data sources: each returns the extracted rows as one pandas frame, the target among its columns."""
