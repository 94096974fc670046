// upsample.ts + guided-filter.ts, same math: the guided filter's low-res coefficients (A, B), computed in
// TypeScript from the frame and the low-res distance, interpolated by the cubic B-spline; the distance is
// A * luma + B. Renders into an R32F target (u_dist of later passes).
uniform sampler2D u_coef;      // RG32F: A, B per low-res sample
uniform ivec2 u_lowSize;

vec4 bspline(float t) {
  float t2 = t * t, t3 = t2 * t;
  return vec4(1.0 - 3.0 * t + 3.0 * t2 - t3, 3.0 * t3 - 6.0 * t2 + 4.0, -3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0, t3) / 6.0;
}

void main() {
  ivec2 p = pixel();
  vec2 u = (vec2(p) + 0.5) * vec2(u_lowSize) / vec2(u_size) - 0.5;
  vec2 f = floor(u);
  vec4 wx = bspline(u.x - f.x);
  vec4 wy = bspline(u.y - f.y);
  ivec2 f0 = ivec2(f) - 1;
  vec2 ab = vec2(0.0);
  for (int ty = 0; ty < 4; ty++) {
    int j = clamp(f0.y + ty, 0, u_lowSize.y - 1);
    vec2 row = vec2(0.0);
    for (int tx = 0; tx < 4; tx++) {
      int i = clamp(f0.x + tx, 0, u_lowSize.x - 1);
      row += wx[tx] * texelFetch(u_coef, ivec2(i, j), 0).rg;
    }
    ab += wy[ty] * row;
  }
  vec3 c = floor(rgbAt(p) * 255.0 + 0.5);
  float l = (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0;
  o_color = vec4(ab.x * l + ab.y, 0.0, 0.0, 1.0);
}
