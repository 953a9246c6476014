"""The pygls server: keeps each open document analysed and answers the editor's requests.

Diagnostics are published when a document opens and shortly after each change (edits
within :data:`DEBOUNCE_SECONDS` of each other are checked once). Requests always read
the document's current text, re-checking it if a change has not been analysed yet.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from rulekit.lsp import features
from rulekit.lsp.analysis import Analysis, analyse

DEBOUNCE_SECONDS = 0.05  # keystrokes closer than this are checked once


class RulekitServer(LanguageServer):
    """A language server with one cached :class:`Analysis` per open document."""

    def __init__(self) -> None:
        from rulekit import __version__

        super().__init__("rulekit", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self._analyses: dict[str, Analysis] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def analysis(self, uri: str) -> Analysis:
        """The document's analysis, recomputed when its text changed since the last one."""
        source = self.workspace.get_text_document(uri).source
        cached = self._analyses.get(uri)
        if cached is None or cached.source != source:
            cached = analyse(source, to_fs_path(uri) or uri)
            self._analyses[uri] = cached
        return cached

    def publish(self, uri: str) -> None:
        """Send the document's current diagnostics to the editor."""
        found = features.diagnostics(self.analysis(uri))
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=found))

    def schedule(self, uri: str) -> None:
        """Publish diagnostics after a short pause, once per burst of edits."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = asyncio.get_running_loop().create_task(self._publish_later(uri))

    async def _publish_later(self, uri: str) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        self._pending.pop(uri, None)
        self.publish(uri)

    def forget(self, uri: str) -> None:
        """Drop a closed document and clear its diagnostics."""
        self._analyses.pop(uri, None)
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


server = RulekitServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: RulekitServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: RulekitServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: RulekitServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: RulekitServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: RulekitServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return features.hover(ls.analysis(params.text_document.uri), params.position)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: RulekitServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    uri = params.text_document.uri
    return features.definition(ls.analysis(uri), uri, params.position)


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(ls: RulekitServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    uri = params.text_document.uri
    return features.references(ls.analysis(uri), uri, params.position, params.context.include_declaration)


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: RulekitServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    return features.prepare_rename(ls.analysis(params.text_document.uri), params.position)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(ls: RulekitServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    uri = params.text_document.uri
    try:
        return features.rename(ls.analysis(uri), uri, params.position, params.new_name)
    except ValueError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
def completion(ls: RulekitServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    return features.completions(ls.analysis(params.text_document.uri), params.position)


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: RulekitServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    analysis = ls.analysis(params.text_document.uri)
    edits = features.formatting(analysis)
    if edits is None:
        errors = sum(d.is_error for d in analysis.report.diagnostics)
        message = f"rulekit: not formatted: the file has {errors} error(s); fix them first"
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message))
    return edits


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(ls: RulekitServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    return features.code_actions(ls.analysis(uri), uri, params.range)


def serve(**kwargs: Any) -> None:
    """Run the server over stdin/stdout until the editor sends ``exit``."""
    server.start_io(**kwargs)
