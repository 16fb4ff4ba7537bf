"""Reports of a store: in the terminal (:mod:`.terminal`) and as a static HTML page
(:mod:`.html`), both from the same gathered data (:mod:`.data`)."""
