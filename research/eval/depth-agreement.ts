/**
 * How closely one depth map follows a reference on the same grid (the built-in int8 model against the shared
 * fp32 one): Pearson r, mean |other - ref| in the maps' unit, and mean |other - ref| / ref over pixels where
 * the reference is at least `minRef` (FastDepth's failed patches are 0 m).
 */
export interface DepthAgreement {
  pearson: number;
  meanAbsDiff: number;
  absRel: number;
  meanRef: number;
  meanOther: number;
}

export function depthAgreement(other: Float32Array, ref: Float32Array, minRef = 0.1): DepthAgreement {
  if (other.length !== ref.length) throw new Error(`depth maps differ in size: ${other.length} vs ${ref.length}`);
  const n = ref.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += ref[i];
    mb += other[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0, mad = 0, rel = 0, nRel = 0;
  for (let i = 0; i < n; i++) {
    const da = ref[i] - ma, db = other[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
    mad += Math.abs(other[i] - ref[i]);
    if (ref[i] >= minRef) {
      rel += Math.abs(other[i] - ref[i]) / ref[i];
      nRel++;
    }
  }
  return { pearson: sab / Math.sqrt(saa * sbb), meanAbsDiff: mad / n, absRel: nRel ? rel / nRel : NaN, meanRef: ma, meanOther: mb };
}
