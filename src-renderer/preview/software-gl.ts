/**
 * Whether this browser's WebGL is software (SwiftShader or Mesa's llvmpipe: the test host, machines
 * without a usable GPU). Asked once, of a context made for the question and released at once.
 */
let answer: boolean | null = null;

export function softwareWebGl(): boolean {
  if (answer !== null) return answer;
  answer = false;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return answer;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    answer = /swiftshader|llvmpipe|softpipe|software/i.test(name);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    // No answer: WebGL as before.
  }
  return answer;
}
