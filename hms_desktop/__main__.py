import sys

from hms_desktop.cli import main

sys.exit(main())
