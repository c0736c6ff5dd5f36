"""The settings: the TOML config model, the delivery schema, where files live, editing in place."""
