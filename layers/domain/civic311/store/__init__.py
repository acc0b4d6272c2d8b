"""Data access: DynamoDB tables behind small repositories. Nothing outside this package builds keys."""
