"""One module per aggregate; each function takes an open Session (the caller owns the transaction)."""
