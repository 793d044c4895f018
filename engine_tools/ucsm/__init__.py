"""UCS Manager: the read-only, TLS-verified client (I/O) and the checks over its answers."""
