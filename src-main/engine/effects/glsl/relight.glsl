// relight.ts, same geometry: one-sided differences with the smaller depth step, Lambert point +
// directional light, ambient; frame multiplied by mix(1, shading, strength).
uniform float u_ambient;
uniform float u_strength;
uniform vec3 u_pointPosition;
uniform vec3 u_pointColor;
uniform float u_pointIntensity;
uniform float u_pointFalloff;
uniform vec3 u_dirDirection;
uniform vec3 u_dirColor;
uniform float u_dirIntensity;

float zAt(ivec2 p) { return u_nearRatio + distAt(p) * (1.0 - u_nearRatio); }
float rayX(int x) { return (float(x) + 0.5 - u_K.z) / u_K.x; }
float rayY(int y) { return (float(y) + 0.5 - u_K.w) / u_K.y; }

void main() {
  ivec2 p = pixel();
  int W = u_size.x, H = u_size.y;
  float zc = zAt(p);
  vec3 P = vec3(zc * rayX(p.x), zc * rayY(p.y), zc);
  vec3 a;
  {
    bool hasF = p.x + 1 < W, hasB = p.x > 0;
    float zf = hasF ? zAt(p + ivec2(1, 0)) : 0.0;
    float zb = hasB ? zAt(p - ivec2(1, 0)) : 0.0;
    bool useF = hasF && (!hasB || abs(zf - zc) <= abs(zc - zb));
    if (useF) a = vec3(zf * rayX(p.x + 1), zf * rayY(p.y), zf) - P;
    else a = P - vec3(zb * rayX(p.x - 1), zb * rayY(p.y), zb);
  }
  vec3 b;
  {
    bool hasF = p.y + 1 < H, hasB = p.y > 0;
    float zf = hasF ? zAt(p + ivec2(0, 1)) : 0.0;
    float zb = hasB ? zAt(p - ivec2(0, 1)) : 0.0;
    bool useF = hasF && (!hasB || abs(zf - zc) <= abs(zc - zb));
    if (useF) b = vec3(zf * rayX(p.x), zf * rayY(p.y + 1), zf) - P;
    else b = P - vec3(zb * rayX(p.x), zb * rayY(p.y - 1), zb);
  }
  vec3 n = cross(b, a);
  float nl = length(n);
  n = nl > 1e-20 ? n / nl : vec3(0.0, 0.0, -1.0);
  vec3 v = u_pointPosition - P;
  float d2 = dot(v, v);
  float d = max(sqrt(d2), 1e-9);
  float ndl = max(0.0, dot(n, v) / d) * u_pointIntensity / (1.0 + u_pointFalloff * d2);
  float dl = length(u_dirDirection);
  vec3 u = -u_dirDirection / (dl > 0.0 ? dl : 1.0);
  float ndd = max(0.0, dot(n, u)) * u_dirIntensity;
  vec3 shade = u_ambient + ndl * u_pointColor + ndd * u_dirColor;
  vec3 c = floor(rgbAt(p) * 255.0 + 0.5) * (1.0 + u_strength * (shade - 1.0));
  o_color = vec4(clamp(c, 0.0, 255.0) / 255.0, 1.0);
}
