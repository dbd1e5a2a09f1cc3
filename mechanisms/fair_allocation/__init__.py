"""Fair allocation with taxes (thesis ch. 5); filled in below."""
