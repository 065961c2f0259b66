"""Load: manifest files → `Desired`; every problem in every file, each with file:line:column."""
