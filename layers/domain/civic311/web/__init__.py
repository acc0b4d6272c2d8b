"""The web clients (resident page, staff console): their files, their config.json, and how a deploy publishes them."""
