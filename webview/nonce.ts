// Captures the page's script nonce before any component loads, so Lit's style fallback can use it.
declare global {
  interface Window {
    litNonce?: string;
  }
}

const script = document.currentScript;
/** The nonce of the script tag that loaded this bundle ('' when run without one, e.g. in a test page). */
export const scriptNonce: string = script instanceof HTMLScriptElement ? (script.nonce ?? '') : '';
if (scriptNonce !== '') window.litNonce = scriptNonce;
