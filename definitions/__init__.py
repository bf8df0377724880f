"""What the programmes ARE: pydantic models, programme YAML and pure date rules."""
