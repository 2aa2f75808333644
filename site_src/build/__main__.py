"""`python -m site_src.build`: the build's steps without MkDocs (see `site_src.build.pipeline`)."""

import sys

from site_src.build.pipeline import main

sys.exit(main())
