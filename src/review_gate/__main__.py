from __future__ import annotations

from review_gate._entry import main

main()
