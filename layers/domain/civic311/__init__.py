"""civic311 domain package: the business rules shared by every Lambda."""
