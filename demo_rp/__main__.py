"""`python -m demo_rp`: serve Documents on 127.0.0.1:$DEMO_RP_PORT (8001)."""

from demo_rp.server import main

main()
