// The JSONPath and XPath libraries chaining.ts selects with, required on first use. A module of
// its own so the build can make it a bundle of its own (dist/lazy-selectors.js): loading
// @xmldom/xmldom, xpath and jsonpath-plus costs ~40 ms that a CLI run, the language server and
// the extension should pay only when a reference selects from a named response.
export { JSONPath } from 'jsonpath-plus';
export { select as xpathSelect } from 'xpath';
export { DOMParser } from '@xmldom/xmldom';
