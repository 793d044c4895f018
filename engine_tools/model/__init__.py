"""Pure plans and rules: CSV rows, VM maps, vNIC profiles, engine-config values. No I/O."""
