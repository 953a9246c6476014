// Starts `rulekit lsp` for rule files. The command is configurable (`rulekit.server.command`),
// e.g. the absolute path of a project's `.venv/bin/rulekit`.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const settings = vscode.workspace.getConfiguration("rulekit");
  const server = {
    command: settings.get("server.command", "rulekit"),
    args: settings.get("server.args", ["lsp"]),
  };
  client = new LanguageClient("rulekit", "rulekit", server, {
    documentSelector: [{ scheme: "file", language: "rulekit" }],
  });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
