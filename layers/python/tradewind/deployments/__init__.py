"""Where things are on each chain: deployment manifests and how services read them."""
