"""The resource directory: Open Referral HSDS 3.1 data that referrals and routing draw on."""
