"""Reference vocabularies shared by offers (which validate industry ids) and scoring (which
matches leads against them), and the text folding they match with. Pure: no Django, and no
imports from the apps."""
