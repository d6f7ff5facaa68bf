// extensionTestsPath entry: VS Code's extension host calls run() and reports its outcome
// (code-server's smoke-test driver forwards it to the page as codeAutomationExit).
// Results also go to a plain-text file, because the host's console reaches the page with %c styling.
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const resultsFile = process.env.WIRELANE_IT_RESULTS ?? join(__dirname, '..', '..', '..', 'test-artifacts', 'vscode', 'integration-results.txt');
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `# wirelane integration suite, VS Code ${vscode.version}, ${new Date().toISOString()}\n`);
  const log = (line: string) => appendFileSync(resultsFile, line + '\n');

  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.WIRELANE_IT_GREP;
  if (grep) mocha.grep(grep);
  for (const f of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(join(__dirname, f));

  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      log(`# done: ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => log(`ok   ${t.fullTitle()} (${t.duration ?? 0} ms)`));
    runner.on('fail', (t, err: Error) => log(`FAIL ${t.fullTitle()}: ${err?.stack ?? err}`));
    runner.on('pending', (t) => log(`skip ${t.fullTitle()}`));
  });
}
