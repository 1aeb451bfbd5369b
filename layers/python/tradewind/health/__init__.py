"""Health of the dependencies a function needs: each is probed and reported by name."""
