"""Training corpora: import (formats, cleaning rules), export."""
