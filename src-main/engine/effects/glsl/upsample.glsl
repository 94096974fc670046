// upsample.ts + distance.ts, same math: low-res raw depth -> distance per tap, then a 2x2 joint
// bilateral average guided by the frame's colour. Renders into an R32F target (u_dist of later passes).
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

float toDist(float v) {
  v = isnan(v) ? u_hi : clamp(v, u_lo, u_hi);
  return clamp(u_a * (u_inverse ? 1.0 / v : v) + u_b, 0.0, 1.0);
}

int guidePixel(int i, int lowSize, int outSize) { return min(outSize - 1, ((2 * i + 1) * outSize) / (2 * lowSize)); }

void main() {
  ivec2 p = pixel();
  ivec3 c0 = ivec3(floor(rgbAt(p) * 255.0 + 0.5));
  vec2 u = (vec2(p) + 0.5) * vec2(u_lowSize) / vec2(u_size) - 0.5;
  ivec2 f = ivec2(floor(u));
  float ks = 1.0 / (2.0 * u_sigmaSpatial * u_sigmaSpatial);
  float kr = 1.0 / (2.0 * u_sigmaRange * u_sigmaRange);
  float sw = 0.0, sv = 0.0, best = -1.0, nearest = 0.0;
  for (int ty = 0; ty < 2; ty++) {
    int j = clamp(f.y + ty, 0, u_lowSize.y - 1);
    float wy = exp(-(float(j) - u.y) * (float(j) - u.y) * ks);
    for (int tx = 0; tx < 2; tx++) {
      int i = clamp(f.x + tx, 0, u_lowSize.x - 1);
      float wx = exp(-(float(i) - u.x) * (float(i) - u.x) * ks);
      ivec3 g = ivec3(floor(rgbAt(ivec2(guidePixel(i, u_lowSize.x, u_size.x), guidePixel(j, u_lowSize.y, u_size.y))) * 255.0 + 0.5));
      ivec3 dc = c0 - g;
      int d2 = (dc.r * dc.r + dc.g * dc.g + dc.b * dc.b) >> u_rangeQuantShift;
      float w = wx * wy * exp(-float(d2 << u_rangeQuantShift) * kr);
      float s = toDist(texelFetch(u_low, ivec2(i, j), 0).r);
      sw += w;
      sv += w * s;
      if (wx * wy > best) { best = wx * wy; nearest = s; }
    }
  }
  o_color = vec4(sw > 1e-10 ? sv / sw : nearest, 0.0, 0.0, 1.0);
}
