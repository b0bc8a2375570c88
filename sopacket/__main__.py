"""Allow ``python -m sopacket``."""

from sopacket.cli import main

main()
