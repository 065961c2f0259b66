"""The emulator's WIQL engine: query text → syntax tree → SQL over the store → results."""
