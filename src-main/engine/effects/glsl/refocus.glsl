// refocus.ts, same gather: own-CoC-scaled Vogel pattern (passed in u_pattern), occlusion-aware weights.
#define SAMPLES 48
uniform float u_focus;
uniform float u_aperture;
uniform float u_maxBlur;
uniform vec3 u_pattern[SAMPLES];  // x, y, radius on the unit disk (REFOCUS_PATTERN)
uniform float u_minCoc;
uniform float u_coverageBias;

float coc(float s) {
  return min(u_maxBlur, u_aperture * abs(s - u_focus)) * (float(u_size.y) / 100.0);
}

void main() {
  ivec2 p = pixel();
  vec3 c0 = rgbAt(p);
  float sp = distAt(p);
  float c = coc(sp);
  if (c < u_minCoc) {
    o_color = vec4(c0, 1.0);
    return;
  }
  vec3 acc = c0 * 255.0;
  float ws = 1.0;
  vec2 fp = vec2(p) + 0.5;
  ivec2 hi = u_size - 1;
  for (int k = 0; k < SAMPLES; k++) {
    vec3 pt = u_pattern[k];
    ivec2 q = clamp(ivec2(floor(fp + c * pt.xy)), ivec2(0), hi);
    float sq = distAt(q);
    float cq = coc(sq);
    float ce = sq < sp ? cq : min(cq, c);
    float w = ce - c * pt.z + u_coverageBias;
    if (w <= 0.0) continue;
    w = min(w, 1.0);
    acc += w * floor(rgbAt(q) * 255.0 + 0.5);
    ws += w;
  }
  o_color = vec4(acc / ws / 255.0, 1.0);
}
