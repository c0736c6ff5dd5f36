"""The settings: the TOML config model, the delivery schema, every environment variable read,
the file ``xpulse init`` writes, where files live, editing in place."""
