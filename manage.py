#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (an installed wheel has `helpdesk` instead)."""
from helpdesk.cli import main

if __name__ == "__main__":
    main()
