// isolate.ts, same mask and grade: band = 1 - smoothstep(tolerance, tolerance + softness, |s - target|),
// weight = band (inside) or 1 - band (outside); optional normalised-convolution blur over the graded region,
// then saturation (Rec. 709 luma), exposure (gain 2^(stops / 2.2) on encoded values) and a luma-kept tint.
uniform float u_targetUsed;    // the subject's distance or u_target (isolate.ts isolateTarget)
uniform float u_tolerance;
uniform float u_softness;
uniform int u_region;          // 0 outside, 1 inside
uniform float u_exposure;
uniform float u_saturation;
uniform vec3 u_tint;
uniform float u_tintAmount;
uniform float u_blur;
uniform bool u_showMask;
const int ISOLATE_SAMPLES = 32;
uniform vec3 u_blurPattern[ISOLATE_SAMPLES];   // x, y on the unit disk, Gaussian weight

float weightAt(ivec2 q) {
  float d = abs(distAt(q) - u_targetUsed);
  float band;
  if (u_softness < 1e-6) band = d <= u_tolerance ? 1.0 : 0.0;
  else {
    float t = clamp((d - u_tolerance) / u_softness, 0.0, 1.0);
    band = 1.0 - t * t * (3.0 - 2.0 * t);
  }
  return u_region == 1 ? band : 1.0 - band;
}

void main() {
  ivec2 p = pixel();
  float w = weightAt(p);
  if (u_showMask) {
    o_color = vec4(vec3(floor(w * 255.0 + 0.5) / 255.0), 1.0);
    return;
  }
  vec3 c = floor(rgbAt(p) * 255.0 + 0.5);
  if (w > 0.0) {
    float radius = u_blur / 100.0 * float(u_size.y);
    if (radius >= 0.5) {
      vec3 acc = vec3(0.0);
      float sw = 0.0;
      for (int k = 0; k < ISOLATE_SAMPLES; k++) {
        vec3 s = u_blurPattern[k];
        ivec2 q = clamp(p + ivec2(floor(s.xy * radius + 0.5)), ivec2(0), u_size - 1);
        float ww = s.z * weightAt(q);
        acc += ww * floor(rgbAt(q) * 255.0 + 0.5);
        sw += ww;
      }
      if (sw > 1e-6) c += w * (acc / sw - c);
    }
    float tl = max(1e-3, dot(u_tint, vec3(0.2126, 0.7152, 0.0722)));
    vec3 mul = pow(2.0, u_exposure / 2.2) * (1.0 + u_tintAmount * (u_tint / tl - 1.0));
    float l = dot(c, vec3(0.2126, 0.7152, 0.0722));
    vec3 g = (l + u_saturation * (c - l)) * mul;
    c += w * (g - c);
  }
  o_color = vec4(clamp(c, 0.0, 255.0) / 255.0, 1.0);
}
