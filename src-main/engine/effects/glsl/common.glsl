precision highp float;
precision highp int;
precision highp sampler2D;

// Shared by every effect pass. Textures are addressed with texelFetch in image rows (row 0 = top),
// exactly like the CPU kernels' arrays; u_flipY = 1 only for the pass drawn to an on-screen canvas.
uniform sampler2D u_frame;     // RGBA8, the picture being processed
uniform sampler2D u_dist;      // R32F, normalised distance 0 (near) .. 1 (far) at frame resolution
uniform ivec2 u_size;          // frame width, height
uniform vec4 u_K;              // fx, fy, cx, cy at frame resolution
uniform float u_nearRatio;     // z_near / z_far
uniform int u_flipY;

out vec4 o_color;

ivec2 pixel() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  if (u_flipY == 1) p.y = u_size.y - 1 - p.y;
  return p;
}

float distAt(ivec2 p) { return texelFetch(u_dist, p, 0).r; }
vec3 rgbAt(ivec2 p) { return texelFetch(u_frame, p, 0).rgb; }
