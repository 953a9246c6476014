"""The rulekit language server (``rulekit lsp``): diagnostics, navigation and edits in editors.

:mod:`.symbols` indexes every name of a parsed program by its IR spans, :mod:`.features`
turns an analysed document into LSP answers, and :mod:`.server` wires them to pygls.
"""
