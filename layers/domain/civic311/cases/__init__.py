"""Cases: service requests from every channel, their intake and their life until closed."""
