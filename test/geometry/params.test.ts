import { describe, expect, it } from 'vitest';
import { checkGeometryParams, GEOMETRY_PARAMS, geometryCacheVersion, type GeometryParams } from '../../src-main/engine/geometry/params.ts';
import { createGeometryStage } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';

const withChange = (f: (p: GeometryParams) => void): GeometryParams => {
  const p = structuredClone(GEOMETRY_PARAMS) as GeometryParams;
  f(p);
  return p;
};

describe('geometry parameters', () => {
  it('the defaults pass their own check', () => {
    expect(checkGeometryParams(structuredClone(GEOMETRY_PARAMS) as GeometryParams)).toBeTruthy();
  });

  it('nonsense is rejected with the parameter named', () => {
    expect(() => checkGeometryParams(withChange((p) => { p.tracking.minTracks = 2; }))).toThrow(/tracking\.minTracks/);
    expect(() => checkGeometryParams(withChange((p) => { p.fusion.radius = -1; }))).toThrow(/fusion\.radius/);
    expect(() => checkGeometryParams(withChange((p) => { p.fusion.radius = 200; }))).toThrow(/fusion\.radius/);
    expect(() => checkGeometryParams(withChange((p) => { p.scale.links = []; }))).toThrow(/scale\.links/);
    expect(() => checkGeometryParams(withChange((p) => { p.stereo.parallaxQuantile = 1.5; }))).toThrow(/stereo\.parallaxQuantile/);
    expect(() => checkGeometryParams(withChange((p) => { p.tracking.dropPx = 1; }))).toThrow(/tracking\.dropPx/);
    expect(() => checkGeometryParams(withChange((p) => { p.analysisWidth = Number.NaN; }))).toThrow(/analysisWidth/);
  });

  it('the stage refuses bad parameters before it sees a frame', () => {
    const K = intrinsicsFor(64, 48);
    expect(() => createGeometryStage({ intrinsics: K, params: withChange((p) => { p.temporal.alpha = 0; }) })).toThrow(/temporal\.alpha/);
  });

  it('the cache version follows every parameter, and only them', () => {
    const v = geometryCacheVersion();
    expect(geometryCacheVersion(structuredClone(GEOMETRY_PARAMS) as GeometryParams)).toBe(v);
    expect(geometryCacheVersion(withChange((p) => { p.fusion.radius = 12; }))).not.toBe(v);
    expect(geometryCacheVersion(withChange((p) => { p.units.weight = 101; }))).not.toBe(v);
    expect(geometryCacheVersion(withChange((p) => { p.scale.links = [1, 2]; }))).not.toBe(v);
  });
});
