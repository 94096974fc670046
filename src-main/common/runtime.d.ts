/**
 * Globals that every runtime of common/ has (Node 20 and Chromium) but the ES library does not declare.
 * Only common's own tsconfig reads this file; the main process and the renderer get them from node or DOM types.
 */
declare function structuredClone<T>(value: T): T;
