// Extension entry (issue 7).
export function activate(): void {}
export function deactivate(): void {}
