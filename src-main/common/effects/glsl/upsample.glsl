// upsample.ts + guided-filter.ts, same math: the guided filter's low-res coefficients (A, B), computed by
// guided.glsl from the frame and the low-res distance, interpolated by the cubic B-spline; the distance is
// A * luma + B. Renders into an R32F target (u_dist of later passes).
uniform sampler2D u_coef;      // RG32F: A, B per low-res sample
uniform vec2 u_extent;         // the low-res distance's smallest and largest value (guided-filter.ts extent)

void main() {
  ivec2 p = pixel();
  vec2 ab = splineAt(u_coef, p).rg;
  vec3 c = floor(rgbAt(p) * 255.0 + 0.5);
  float l = (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0;
  o_color = vec4(clamp(ab.x * l + ab.y, u_extent.x, u_extent.y), 0.0, 0.0, 1.0);
}
