"""JSON APIs under /v1/: referrals for residents, and staff routes behind the Cognito authorizer."""
