"""Pure computations over records and aggregates: reports, blocks, time zones."""
