import { describe, expect, it } from 'vitest';
import { commit, createHistory, markSaved, redo, undo } from '../../src-main/common/project/history.ts';

interface Doc {
  density: number;
  name: string;
}

describe('undo/redo history', () => {
  it('undoes and redoes every edit in order, and a new edit clears redo', () => {
    let h = createHistory<Doc>({ density: 0, name: 'a' });
    h = commit(h, { ...h.present, density: 1 });
    h = commit(h, { ...h.present, name: 'b' });
    h = commit(h, { ...h.present, density: 2 });
    expect(h.present).toEqual({ density: 2, name: 'b' });
    h = undo(h);
    expect(h.present).toEqual({ density: 1, name: 'b' });
    h = undo(h);
    h = undo(h);
    expect(h.present).toEqual({ density: 0, name: 'a' });
    expect(h.canUndo).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toEqual({ density: 1, name: 'a' });
    h = commit(h, { ...h.present, name: 'c' });
    expect(h.canRedo).toBe(false);
    expect(undo(h).present).toEqual({ density: 1, name: 'a' });
  });

  it('merges one slider drag (same coalesce key) into a single undo step', () => {
    let h = createHistory<Doc>({ density: 0, name: 'a' });
    for (let v = 1; v <= 50; v++) h = commit(h, { ...h.present, density: v / 10 }, { coalesce: 'density@f20' });
    expect(h.past).toHaveLength(1);
    h = commit(h, { ...h.present, density: 9 }, { coalesce: 'density@f30' });
    expect(h.past).toHaveLength(2);
    expect(undo(h).present.density).toBe(5);
    expect(undo(undo(h)).present.density).toBe(0);
  });

  it('tracks unsaved changes across save, undo and redo', () => {
    let h = createHistory<Doc>({ density: 0, name: 'a' });
    expect(h.dirty).toBe(false);
    h = commit(h, { ...h.present, density: 1 });
    expect(h.dirty).toBe(true);
    h = markSaved(h);
    expect(h.dirty).toBe(false);
    h = undo(h);
    expect(h.dirty).toBe(true);
    h = redo(h);
    expect(h.dirty).toBe(false);
  });

  it('keeps at most `limit` undo steps', () => {
    let h = createHistory<Doc>({ density: 0, name: 'a' });
    for (let v = 1; v <= 30; v++) h = commit(h, { ...h.present, density: v }, { limit: 10 });
    expect(h.past).toHaveLength(10);
    expect(h.past[0].density).toBe(20);
  });
});
