"""The Open Referral HSDS 3.1 API under /hsds/: the resource directory for 211 partners."""
