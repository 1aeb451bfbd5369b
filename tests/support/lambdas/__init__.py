"""Handler code for functions the tests create in the emulator (staged as a Lambda asset, not imported)."""
