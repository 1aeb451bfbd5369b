"""Trading vaults: a user's on-chain vault per chain, opened by the service and read from the chain."""
