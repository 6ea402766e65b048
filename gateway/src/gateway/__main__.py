"""`python -m gateway`: see gateway/server.py."""

from gateway.server import main

main()
