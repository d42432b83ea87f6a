"""One search over practice sheets and discussions, in French (Whoosh). A plain library:
it never imports Flask, the gateway nor ``discussions``; the gateway feeds it records."""
