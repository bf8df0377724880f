"""The local stack: a Prefect server, every deployment, workers and the SMTP sink, as one
process group a workforce team starts and stops."""
