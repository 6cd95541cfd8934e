import sys

from eprom_verify.cli import main

sys.exit(main())
