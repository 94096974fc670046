import type { GemdepthBridge } from '../src-main/common/api/types.ts';

declare global {
  interface Window {
    gemdepth?: GemdepthBridge;
  }
}

/** The one API: provided by the Electron preload or by the test host, same shape in both. */
export function bridge(): GemdepthBridge {
  if (!window.gemdepth) throw new Error('GemDepth engine bridge missing: open the app through Electron (npm start) or the test host');
  return window.gemdepth;
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
