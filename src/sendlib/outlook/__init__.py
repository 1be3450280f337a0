"""The Safety Valve outlook: the deficit path to the end of the agreement, scenarios, "what would it
take" and the headline keys (see the README's "Safety Valve outlook")."""
