"""The verification web app: certificate checks for anyone, the public key set."""
