// guided-filter.ts's low-res half on the GPU (cellLuma, then guidedCoefficients), one step per pass at the
// analysis resolution, so the preview prepares a depth frame without a CPU loop on the page's thread:
//   0: mean luma of each low-res cell (cellSpan: the frame pixels whose centres fall in it)
//   1: horizontal box mean of (I, p, I*p, I*I)      2: vertical box mean, then a and b per sample
//   3: horizontal box mean of (a, b)                4: vertical box mean: the coefficients (A, B)
// Box windows are clamped at the borders (boxMean). NaN depth was replaced by the map's mean on the CPU.
uniform int u_step;
uniform sampler2D u_in;        // the previous step's output (RGBA32F, lowSize)
uniform sampler2D u_low;       // R32F low-res distance
uniform int u_radius;
uniform float u_eps;

vec4 source(ivec2 q) {
  if (u_step == 1) {
    float I = texelFetch(u_in, q, 0).r;
    float p = texelFetch(u_low, q, 0).r;
    return vec4(I, p, I * p, I * I);
  }
  return texelFetch(u_in, q, 0);
}

vec4 boxMean(ivec2 q, ivec2 dir) {
  int n = dir.x == 1 ? u_lowSize.x : u_lowSize.y;
  int c = dir.x == 1 ? q.x : q.y;
  int k0 = max(0, c - u_radius), k1 = min(n - 1, c + u_radius);
  vec4 s = vec4(0.0);
  for (int k = k0; k <= k1; k++) s += source(q + dir * (k - c));
  return s / float(k1 - k0 + 1);
}

void main() {
  ivec2 q = ivec2(gl_FragCoord.xy);
  if (u_step == 0) {
    int x0 = min(u_size.x - 1, (q.x * u_size.x) / u_lowSize.x);
    int x1 = max(x0 + 1, min(u_size.x, ((q.x + 1) * u_size.x) / u_lowSize.x));
    int y0 = min(u_size.y - 1, (q.y * u_size.y) / u_lowSize.y);
    int y1 = max(y0 + 1, min(u_size.y, ((q.y + 1) * u_size.y) / u_lowSize.y));
    float s = 0.0;
    for (int y = y0; y < y1; y++)
      for (int x = x0; x < x1; x++) {
        vec3 c = floor(rgbAt(ivec2(x, y)) * 255.0 + 0.5);
        s += (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0;
      }
    o_color = vec4(s / float((x1 - x0) * (y1 - y0)), 0.0, 0.0, 1.0);
  } else if (u_step == 2) {
    vec4 m = boxMean(q, ivec2(0, 1));
    float a = (m.z - m.x * m.y) / (max(0.0, m.w - m.x * m.x) + u_eps);
    o_color = vec4(a, m.y - a * m.x, 0.0, 1.0);
  } else {
    o_color = boxMean(q, u_step == 4 ? ivec2(0, 1) : ivec2(1, 0));
  }
}
