// fog.ts, same formula: f = 1 - exp(-density * max(0, s - start)^falloff), optional height thinning.
uniform vec3 u_color;
uniform float u_density;
uniform float u_start;
uniform float u_falloff;
uniform bool u_heightFog;
uniform float u_heightLevel;
uniform float u_heightFalloff;

float fogAmount(float t, float density, float falloff) {
  return t <= 0.0 ? 0.0 : 1.0 - exp(-density * pow(t, falloff));
}

void main() {
  ivec2 p = pixel();
  float s = distAt(p);
  float f;
  if (!u_heightFog) {
    f = fogAmount(s - u_start, u_density, u_falloff);
  } else {
    float z = u_nearRatio + s * (1.0 - u_nearRatio);
    float h = -z * (float(p.y) + 0.5 - u_K.w) / u_K.y;
    float d = u_density * exp(-u_heightFalloff * max(0.0, h - u_heightLevel));
    f = fogAmount(s - u_start, d, u_falloff);
  }
  o_color = vec4(rgbAt(p) * (1.0 - f) + u_color * f, 1.0);
}
