"""civic311 domain package shared by the Lambda functions through the domain layer."""
