"""Watched wallets: addresses on active chains whose holdings a user follows."""
