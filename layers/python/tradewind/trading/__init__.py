"""Trading: trade requests and their lifecycle, quotes, and the records the trade flow keeps."""
