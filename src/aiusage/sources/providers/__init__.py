"""Provider adapters: usage, cost, balance and rate limits read from providers' own APIs."""
