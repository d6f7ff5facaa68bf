// Where Wirelane's own views open. VS Code's ViewColumn.Beside is "one to the right of the active
// group": invoked from the second of two groups it makes a third, and every send from a
// response or session view would add one more. A view goes to the group that already shows
// Wirelane views, else to another existing group, and only makes a group when there is one.
import * as vscode from 'vscode';

/** The scheme of the read-only response documents (src/extension/responseView.ts). */
export const RESPONSE_SCHEME = 'wirelane-response';

/** A tab Wirelane opened: a response document, the timeline, a WebSocket session view. */
export function isWirelaneTab(tab: vscode.Tab): boolean {
  const input = tab.input;
  if (input instanceof vscode.TabInputText) return input.uri.scheme === RESPONSE_SCHEME;
  return input instanceof vscode.TabInputWebview && /wirelane\./.test(input.viewType);
}

export function besideColumn(prefer: (tab: vscode.Tab) => boolean = isWirelaneTab): vscode.ViewColumn {
  const groups = vscode.window.tabGroups.all;
  for (const g of groups) if (g.tabs.some(prefer)) return g.viewColumn;
  const active = vscode.window.tabGroups.activeTabGroup;
  const other = [...groups].reverse().find((g) => g !== active);
  return other ? other.viewColumn : vscode.ViewColumn.Beside;
}
