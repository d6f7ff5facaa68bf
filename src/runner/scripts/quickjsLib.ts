// Entry point of dist/quickjs.js: the QuickJS engine (compiled to WebAssembly) that runs
// `.http` scripts. Bundled apart from the CLI and the extension so that it is loaded only
// when a file has scripts; its .wasm is copied beside it as dist/quickjs.wasm.
export { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
export { default as RELEASE_SYNC } from '@jitl/quickjs-wasmfile-release-sync';
