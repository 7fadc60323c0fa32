"""Search spaces: ``[[space]]`` tables validated into specs, and the generators that stream them."""
