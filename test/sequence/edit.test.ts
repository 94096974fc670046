import { describe, expect, it } from 'vitest';
import {
  addMarker,
  copyEffects,
  unlinkAudio,
  deleteInstance,
  emptyProject,
  migrateProject,
  moveInstance,
  placeClip,
  placed,
  PROJECT_VERSION,
  sequenceLength,
  sequenceSettings,
  snapFrame,
  sourceAt,
  splitAt,
  trimInstance,
  type ProjectDoc,
} from '../../src-main/engine/project/index.ts';
import { commit, createHistory, redo, undo } from '../../src-main/common/project/history.ts';

const clipA = { id: 'a', path: '/m/a.mp4', name: 'a.mp4', fingerprint: null, frameCount: 280, fps: 20, width: 1280, height: 720, in: 0, out: 279, effects: [] };
const clipB = { id: 'b', path: '/m/b.mp4', name: 'b.mp4', fingerprint: null, frameCount: 36, fps: 30, width: 320, height: 240, in: 0, out: 35, effects: [{ effect: 'fog', enabled: true, params: {}, keyframes: {} }] };
const base = (): ProjectDoc => ({ ...emptyProject('cut'), clips: [clipA, clipB] });
const layout = (d: ProjectDoc) => placed(d).map((p) => [p.clip.id, p.inst.in, p.inst.out, p.start, p.end]);

describe('sequence edits', () => {
  it('places clips, the first fixing size and rate; another rate is timed by its duration', () => {
    let d = placeClip(base(), 'a', 0, 'i1');
    d = trimInstance(d, 'i1', 'out', 40);
    d = placeClip(d, 'b', 40, 'i2');
    expect(sequenceSettings(d)).toMatchObject({ width: 1280, height: 720, frameRate: { num: 20000, den: 1000 } });
    // 36 frames at 30 fps = 1.2 s = 24 frames at 20 fps.
    expect(layout(d)).toEqual([['a', 0, 39, 0, 40], ['b', 0, 35, 40, 64]]);
    expect(sequenceLength(d)).toBe(64);
    expect(placed(d)[1].inst.effects).toEqual(clipB.effects);
  });

  it('picks source frames by time: 30 fps under a 20 fps sequence skips every third frame', () => {
    const d = placeClip(base(), 'a', 0, 'i1');
    const e = placeClip(trimInstance(d, 'i1', 'out', 10), 'b', 10, 'i2');
    expect([10, 11, 12, 13, 14].map((f) => sourceAt(e, f)!.source)).toEqual([0, 1, 3, 4, 6]);
    expect(sourceAt(e, 9)!.source).toBe(9);
    // Frames are picked by the clip's real timestamps when given.
    const ts = Array.from({ length: 36 }, (_, i) => i * (1499 / 45000));
    expect(sourceAt(e, 13, (id) => (id === 'b' ? ts : undefined))!.source).toBe(4);
  });

  it('splits, moves with push, trims with and without ripple, ripple-deletes; gaps stay', () => {
    let d = placeClip(base(), 'a', 0, 'i1');
    d = trimInstance(d, 'i1', 'out', 100);
    d = splitAt(d, 60, 'i2');
    expect(layout(d)).toEqual([['a', 0, 59, 0, 60], ['a', 60, 99, 60, 100]]);
    d = moveInstance(d, 'i2', 120); // leaves a gap 60..120
    expect(layout(d)).toEqual([['a', 0, 59, 0, 60], ['a', 60, 99, 120, 160]]);
    expect(sourceAt(d, 90)).toBeNull();
    // Non-ripple in-trim: the end stays, the start moves.
    d = trimInstance(d, 'i2', 'in', 130);
    expect(layout(d)[1]).toEqual(['a', 70, 99, 130, 160]);
    // Ripple out-trim of the first: what follows moves by the change in length.
    d = trimInstance(d, 'i1', 'out', 50, true);
    expect(layout(d)).toEqual([['a', 0, 49, 0, 50], ['a', 70, 99, 120, 150]]);
    // Non-ripple out-trim stops at the neighbour.
    d = moveInstance(d, 'i2', 50);
    d = trimInstance(d, 'i1', 'out', 80);
    expect(layout(d)[0]).toEqual(['a', 0, 49, 0, 50]);
    // A move onto another instance lands on its nearer edge and pushes the rest right.
    d = placeClip(d, 'b', 55, 'i3');
    expect(layout(d)).toEqual([['a', 0, 49, 0, 50], ['b', 0, 35, 50, 74], ['a', 70, 99, 74, 104]]);
    d = deleteInstance(d, 'i3', true);
    expect(layout(d)).toEqual([['a', 0, 49, 0, 50], ['a', 70, 99, 50, 80]]);
    d = deleteInstance(d, 'i1');
    expect(layout(d)).toEqual([['a', 70, 99, 50, 80]]);
  });

  it('snaps to cuts, markers and the playhead within the tolerance', () => {
    let d = trimInstance(placeClip(base(), 'a', 0, 'i1'), 'i1', 'out', 40);
    d = addMarker(d, 70, 'beat');
    expect(snapFrame(d, 43, 4)).toBe(40);
    expect(snapFrame(d, 67, 4)).toBe(70);
    expect(snapFrame(d, 55, 4, [57])).toBe(57);
    expect(snapFrame(d, 55, 1)).toBe(55);
  });

  it('copies an effect stack to other instances and unlinks audio into an item of its own', () => {
    let d = placeClip(placeClip(base(), 'b', 0, 'i1'), 'a', 30, 'i2');
    d = copyEffects(d, 'i1', ['i2']);
    expect(placed(d)[1].inst.effects).toEqual(clipB.effects);
    expect(placed(d)[1].inst.effects).not.toBe(placed(d)[0].inst.effects);
    d = unlinkAudio(d, 'i2');
    expect(d.sequence.video.find((v) => v.id === 'i2')!.audioLinked).toBe(false);
    expect(d.sequence.audio).toEqual([{ id: 'i2-audio', clipId: 'a', in: 0, out: 279, at: placed(d)[1].start }]);
    expect(placed(d)[1].start).toBe(36); // dropped inside the first clip: lands on its nearer edge
  });

  it('every edit is one undo step', () => {
    let h = createHistory(base());
    h = commit(h, placeClip(h.present, 'a', 0, 'i1'));
    h = commit(h, splitAt(h.present, 100, 'i2'));
    h = commit(h, deleteInstance(h.present, 'i2', true));
    expect(layout(h.present)).toEqual([['a', 0, 99, 0, 100]]);
    h = undo(h);
    expect(layout(h.present)).toHaveLength(2);
    h = undo(undo(h));
    expect(h.present.sequence.video).toEqual([]);
    h = redo(redo(h));
    expect(layout(h.present)).toEqual([['a', 0, 99, 0, 100], ['a', 100, 279, 100, 280]]);
  });
});

describe('project version 3', () => {
  it('migrates a v2 project: its selected clip becomes the one instance, in/out and effects kept', () => {
    const v2 = { format: 'gemdepth-project', version: 2, name: 'old', clips: [clipA, { ...clipB, in: 3, out: 30 }], view: { selectedClip: 'b' }, analysis: {} };
    const d = migrateProject(v2, 'old.gdproj');
    expect(d.version).toBe(PROJECT_VERSION);
    expect(d.sequence.video).toEqual([{ id: 'inst-1', clipId: 'b', in: 3, out: 30, at: 0, audioLinked: true, effects: clipB.effects }]);
    expect(d.clips).toHaveLength(2);
    const empty = migrateProject({ ...v2, clips: [], view: {} }, 'e.gdproj');
    expect(empty.sequence.video).toEqual([]);
  });
});
