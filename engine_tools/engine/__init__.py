"""The engine machine: the oVirt API client (ovirtsdk4), engine-config, the bounded waits."""
