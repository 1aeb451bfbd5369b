"""Small cryptographic primitives the API needs without loading heavy libraries at cold start."""
