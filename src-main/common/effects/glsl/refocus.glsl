// refocus.ts, same layered gather: bokeh pattern (u_pattern) scaled by the search radius (u_search, low-res),
// background and foreground layers, highlight weights; u_focusUsed is the focus refocus.ts focusOf chose.
// The patterns of 12, 24 and 48 samples one after the other (refocus.ts bokehPatterns, REFOCUS_SAMPLE_COUNTS).
#define PATTERNS 84
uniform sampler2D u_search;    // R32F low-res: search radius in px (refocus.ts searchRadii)
uniform float u_focusUsed;
uniform float u_focusRange;
uniform float u_aperture;
uniform float u_maxBlur;
uniform float u_highlightGain;
uniform float u_highlightThreshold;
uniform float u_threshold;
uniform vec3 u_pattern[PATTERNS];  // x, y, aperture-norm radius (bokehPattern)
uniform float u_minCoc;
uniform float u_fgEps;
uniform float u_grain;

// The source's grain the gather removed (1 - kept: the pixel's own share of its result), times u_grain.
vec3 regrain(ivec2 p, float kept) {
  return u_grain > 0.0 && kept < 1.0 ? u_grain * (1.0 - kept) * grainAt(p) : vec3(0.0);
}

float coc(float s) {
  return min(u_maxBlur, u_aperture * max(0.0, abs(s - u_focusUsed) - u_focusRange)) / 100.0 * float(u_size.y);
}
float hweight(vec3 c) {
  float l = (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0;
  return l > u_highlightThreshold ? 1.0 + u_highlightGain * (l - u_highlightThreshold) / max(1e-3, 1.0 - u_highlightThreshold) : 1.0;
}

void main() {
  ivec2 p = pixel();
  vec3 c0 = floor(rgbAt(p) * 255.0 + 0.5);
  float sp = distAt(p);
  float c = coc(sp);
  ivec2 lc = min(ivec2((vec2(p) + 0.5) * vec2(u_lowSize) / vec2(u_size)), u_lowSize - 1);
  float R = max(texelFetch(u_search, lc, 0).r, c);
  if (R < u_minCoc) {
    o_color = vec4(c0 / 255.0, 1.0);
    return;
  }
  float cb = c + u_threshold / 100.0 * float(u_size.y);
  float w0 = hweight(c0);
  vec3 bacc = w0 * c0;
  float bw = w0;
  vec3 facc = vec3(0.0);
  float fw = 0.0, alpha = 0.0;
  // One to four samples per pixel of the disk (refocus.ts refocusSamples).
  float disk = 3.14159265 * R * R;
  int n = disk <= 6.0 ? 12 : disk <= 24.0 ? 24 : 48;
  int first = n == 12 ? 0 : n == 24 ? 12 : 36;
  float area = R * R / float(n);
  vec2 fp = vec2(p) + 0.5;
  ivec2 hi = u_size - 1;
  for (int k = 0; k < n; k++) {
    vec3 pt = u_pattern[first + k];
    ivec2 q = clamp(ivec2(floor(fp + R * pt.xy)), ivec2(0), hi);
    float sq = distAt(q);
    float cq = coc(sq);
    float r = R * pt.z;
    vec3 col = floor(rgbAt(q) * 255.0 + 0.5);
    if (sq < sp - u_fgEps) {
      float cov = cq - r;
      if (cov <= 0.0) continue;
      float a = min(cov, 1.0) * area / max(cq * cq, 0.25);
      alpha += a;
      float w = a * hweight(col);
      facc += w * col;
      fw += w;
    } else {
      float cov = min(cq, cb) - r + 0.5;
      if (cov <= 0.0) continue;
      float w = min(cov, 1.0) * hweight(col);
      bacc += w * col;
      bw += w;
    }
  }
  float al = fw > 0.0 ? min(alpha, 1.0) : 0.0;
  vec3 v = bacc / bw * (1.0 - al) + (fw > 0.0 ? facc / fw * al : vec3(0.0));
  v += regrain(p, w0 / bw * (1.0 - al));
  o_color = vec4(clamp(floor(v + 0.5), 0.0, 255.0) / 255.0, 1.0);
}
