"""Stand-ins for what cannot run here (engine-config, systemctl) and test helpers."""
