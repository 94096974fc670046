// upsample.ts + distance.ts, same math: low-res raw depth -> distance per tap, then a 2x2 joint
// bilateral average guided by the frame's colour (spatial weights only where the 4 samples
// agree). Renders into an R32F target (u_dist of later passes).
uniform sampler2D u_low;       // R32F raw low-res depth
uniform ivec2 u_lowSize;
uniform bool u_inverse;        // relative-inverse depth: s = a / v + b, else s = a * v + b
uniform float u_lo;
uniform float u_hi;
uniform float u_a;
uniform float u_b;
uniform float u_sigmaSpatial;
uniform float u_sigmaRange;
uniform int u_rangeQuantShift;
uniform float u_flatEps;

float toDist(float v) {
  v = isnan(v) ? u_hi : clamp(v, u_lo, u_hi);
  return clamp(u_a * (u_inverse ? 1.0 / v : v) + u_b, 0.0, 1.0);
}

int guidePixel(int i, int lowSize, int outSize) { return min(outSize - 1, ((2 * i + 1) * outSize) / (2 * lowSize)); }

void main() {
  ivec2 p = pixel();
  vec2 u = (vec2(p) + 0.5) * vec2(u_lowSize) / vec2(u_size) - 0.5;
  ivec2 f = ivec2(floor(u));
  float ks = 1.0 / (2.0 * u_sigmaSpatial * u_sigmaSpatial);
  float kr = 1.0 / (2.0 * u_sigmaRange * u_sigmaRange);
  ivec2 i = clamp(ivec2(f.x, f.x + 1), 0, u_lowSize.x - 1);
  ivec2 j = clamp(ivec2(f.y, f.y + 1), 0, u_lowSize.y - 1);
  vec2 wx = exp(-(vec2(i) - u.x) * (vec2(i) - u.x) * ks);
  vec2 wy = exp(-(vec2(j) - u.y) * (vec2(j) - u.y) * ks);
  // d[ty * 2 + tx], spatial weights likewise (the CPU's d00, d01, d10, d11).
  float d[4];
  float ws[4];
  for (int t = 0; t < 4; t++) {
    int tx = t & 1, ty = t >> 1;
    d[t] = toDist(texelFetch(u_low, ivec2(i[tx], j[ty]), 0).r);
    ws[t] = wx[tx] * wy[ty];
  }
  float lo = min(min(d[0], d[1]), min(d[2], d[3]));
  float hi = max(max(d[0], d[1]), max(d[2], d[3]));
  if (hi - lo < u_flatEps) {
    o_color = vec4((ws[0] * d[0] + ws[1] * d[1] + ws[2] * d[2] + ws[3] * d[3]) / (ws[0] + ws[1] + ws[2] + ws[3]), 0.0, 0.0, 1.0);
    return;
  }
  ivec3 c0 = ivec3(floor(rgbAt(p) * 255.0 + 0.5));
  float sw = 0.0, sv = 0.0;
  for (int t = 0; t < 4; t++) {
    int tx = t & 1, ty = t >> 1;
    ivec3 g = ivec3(floor(rgbAt(ivec2(guidePixel(i[tx], u_lowSize.x, u_size.x), guidePixel(j[ty], u_lowSize.y, u_size.y))) * 255.0 + 0.5));
    ivec3 dc = c0 - g;
    int d2 = (dc.r * dc.r + dc.g * dc.g + dc.b * dc.b) >> u_rangeQuantShift;
    float w = ws[t] * exp(-float(d2 << u_rangeQuantShift) * kr);
    sw += w;
    sv += w * d[t];
  }
  // No tap resembles this pixel's colour at all: the nearest sample's depth.
  int n = (wy[1] > wy[0] ? 2 : 0) + (wx[1] > wx[0] ? 1 : 0);
  o_color = vec4(sw > 1e-10 ? sv / sw : d[n], 0.0, 0.0, 1.0);
}
