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

#ifdef LOW_RES_DIST
// The live preview's playback variant: u_dist is the low-res distance itself, read bilinearly at the pixel's centre.
float distAt(ivec2 p) { return texture(u_dist, (vec2(p) + 0.5) / vec2(u_size)).r; }
#else
float distAt(ivec2 p) { return texelFetch(u_dist, p, 0).r; }
#endif
vec3 rgbAt(ivec2 p) { return texelFetch(u_frame, p, 0).rgb; }

// Low-res maps (guided-filter.ts, surface.ts) at pixel p: the cubic B-spline of the 4x4 samples around it.
uniform ivec2 u_lowSize;
vec4 bspline(float t) {
  float t2 = t * t, t3 = t2 * t;
  return vec4(1.0 - 3.0 * t + 3.0 * t2 - t3, 3.0 * t3 - 6.0 * t2 + 4.0, -3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0, t3) / 6.0;
}
vec4 splineAt(sampler2D t, ivec2 p) {
  vec2 u = (vec2(p) + 0.5) * vec2(u_lowSize) / vec2(u_size) - 0.5;
  vec2 f = floor(u);
  vec4 wx = bspline(u.x - f.x);
  vec4 wy = bspline(u.y - f.y);
  ivec2 f0 = ivec2(f) - 1;
  vec4 acc = vec4(0.0);
  for (int ty = 0; ty < 4; ty++) {
    int j = clamp(f0.y + ty, 0, u_lowSize.y - 1);
    vec4 row = vec4(0.0);
    for (int tx = 0; tx < 4; tx++) row += wx[tx] * texelFetch(t, ivec2(clamp(f0.x + tx, 0, u_lowSize.x - 1), j), 0);
    acc += wy[ty] * row;
  }
  return acc;
}

// The source's grain at p (grain.ts grainAt, the definition): per channel, the pixel minus the mean of its
// 5x5 neighbours within u_grainBand.w grey levels of it, clamped to +-u_grainBand.z and weighted by the
// flatness of the 3x3 grey neighbourhood (full at a standard deviation of u_grainBand.x levels or less,
// none from u_grainBand.y). In grey levels.
uniform vec4 u_grainBand;
const vec3 GREY = vec3(0.299, 0.587, 0.114);
vec3 grainAt(ivec2 p) {
  float l = 0.0, l2 = 0.0;
  ivec2 hi = u_size - 1;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++) {
      float lum = dot(floor(rgbAt(clamp(p + ivec2(dx, dy), ivec2(0), hi)) * 255.0 + 0.5), GREY);
      l += lum;
      l2 += lum * lum;
    }
  float m = l / 9.0;
  float sd = sqrt(max(0.0, l2 / 9.0 - m * m));
  float w = clamp((u_grainBand.y - sd) / (u_grainBand.y - u_grainBand.x), 0.0, 1.0);
  if (w == 0.0) return vec3(0.0);
  vec3 c0 = floor(rgbAt(p) * 255.0 + 0.5);
  float l0 = dot(c0, GREY);
  vec3 s = vec3(0.0);
  float n = 0.0;
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++) {
      vec3 c = floor(rgbAt(clamp(p + ivec2(dx, dy), ivec2(0), hi)) * 255.0 + 0.5);
      if (abs(dot(c, GREY) - l0) > u_grainBand.w) continue;
      s += c;
      n += 1.0;
    }
  return w * clamp(c0 - s / n, -u_grainBand.z, u_grainBand.z);
}
