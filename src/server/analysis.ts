// One parse per document version, through the core's incremental parser (unchanged regions are
// reused, so a keystroke in a 10,000-request file re-parses one region). The incremental parser
// may shift nodes of earlier results in place, so only the latest Analysis of a document is valid.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { createIncrementalParser, type HttpFile, type IncrementalParser } from '../core/httpfile';

export interface Analysis {
  uri: string;
  version: number;
  file: HttpFile;
}

interface Entry {
  parser: IncrementalParser;
  latest?: Analysis;
}

export class Analyses {
  private readonly entries = new Map<string, Entry>();

  get(doc: TextDocument): Analysis {
    let entry = this.entries.get(doc.uri);
    if (!entry) {
      entry = { parser: createIncrementalParser() };
      this.entries.set(doc.uri, entry);
    }
    if (entry.latest && entry.latest.version === doc.version) return entry.latest;
    const file = entry.parser.parse(doc.getText());
    entry.latest = { uri: doc.uri, version: doc.version, file };
    return entry.latest;
  }

  /**
   * Parses the top of a large document that has not been parsed yet: the text up to the first
   * region separator after `chars` characters. The regions it parses are the same texts the full
   * parse finds there, so the incremental parser reuses them and the full parse that follows
   * costs no more. Undefined when the document is parsed already or is not that large.
   */
  head(doc: TextDocument, chars: number): HttpFile | undefined {
    if (this.entries.has(doc.uri)) return undefined;
    const text = doc.getText();
    const cut = text.indexOf('\n###', chars);
    if (cut < 0) return undefined;
    const entry: Entry = { parser: createIncrementalParser() };
    this.entries.set(doc.uri, entry);
    return entry.parser.parse(text.slice(0, text.charCodeAt(cut - 1) === 13 ? cut - 1 : cut));
  }

  /** The last parse, even if the document changed since (completion must not wait for a parse). */
  peek(uri: string): Analysis | undefined {
    return this.entries.get(uri)?.latest;
  }

  forget(uri: string): void {
    this.entries.delete(uri);
  }
}
