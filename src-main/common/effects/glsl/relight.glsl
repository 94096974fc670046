// relight.ts, same shading: surface-scale normals and shadow visibility from surface.ts (low-res maps,
// B-spline interpolated), point light (a spot when u_spotAngle < 180), directional light, ambient;
// frame multiplied by mix(1, shading, strength).
uniform sampler2D u_surface;   // RGBA32F low-res: normal xyz, point-light visibility
uniform sampler2D u_dirVis;    // R32F low-res: directional-light visibility
uniform float u_ambient;
uniform float u_strength;
uniform vec3 u_pointPosition;
uniform vec3 u_pointColor;
uniform float u_pointIntensity;
uniform float u_pointFalloff;
uniform float u_spotAngle;
uniform vec3 u_spotDirection;
uniform vec2 u_spotCones;      // cos of the outer and inner half-angles (relight.ts spotCones)
uniform vec3 u_dirDirection;
uniform vec3 u_dirColor;
uniform float u_dirIntensity;
uniform float u_shadows;
uniform float u_skyFrom;       // relight's skyFrom: where the (infinitely far) sky begins; 1: no sky

void main() {
  ivec2 p = pixel();
  float s = distAt(p);
  float zc = u_nearRatio + s * (1.0 - u_nearRatio);
  // The sky is infinitely far: no light of the scene reaches it (surface.ts skyWeight).
  float lit = u_skyFrom >= 1.0 ? 1.0 : 1.0 - smoothstep(u_skyFrom, 1.0, s);
  vec3 P = vec3(zc * (float(p.x) + 0.5 - u_K.z) / u_K.x, zc * (float(p.y) + 0.5 - u_K.w) / u_K.y, zc);
  vec4 nv = splineAt(u_surface, p);
  float nl = length(nv.xyz);
  vec3 n = nl > 1e-12 ? nv.xyz / nl : vec3(0.0, 0.0, -1.0);
  float ndl = 0.0;
  if (u_pointIntensity > 0.0) {
    vec3 v = u_pointPosition - P;
    float d2 = dot(v, v);
    float d = max(sqrt(d2), 1e-9);
    ndl = max(0.0, dot(n, v) / d) * u_pointIntensity / (1.0 + u_pointFalloff * d2);
    if (u_spotAngle < 180.0) {
      float sl = length(u_spotDirection);
      vec3 sd = u_spotDirection / (sl > 0.0 ? sl : 1.0);
      float t = clamp((-dot(v, sd) / d - u_spotCones.x) / max(u_spotCones.y - u_spotCones.x, 1e-9), 0.0, 1.0);
      ndl *= t * t * (3.0 - 2.0 * t);
    }
    ndl *= (1.0 - u_shadows * (1.0 - clamp(nv.w, 0.0, 1.0))) * lit;
  }
  float dl = length(u_dirDirection);
  vec3 u = -u_dirDirection / (dl > 0.0 ? dl : 1.0);
  float ndd = max(0.0, dot(n, u)) * u_dirIntensity * (1.0 - u_shadows * (1.0 - clamp(splineAt(u_dirVis, p).r, 0.0, 1.0))) * lit;
  vec3 shade = u_ambient + ndl * u_pointColor + ndd * u_dirColor;
  vec3 gain = 1.0 + u_strength * (shade - 1.0);
  // The light falls on the picture without its grain; the grain is added back as it was (grain.ts).
  vec3 c = floor(rgbAt(p) * 255.0 + 0.5) * gain - grainAt(p) * (gain - 1.0);
  o_color = vec4(clamp(c, 0.0, 255.0) / 255.0, 1.0);
}
