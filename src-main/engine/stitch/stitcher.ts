import type { WindowParams } from '../infer/manifest.ts';
import { applyScaleShift, fitScaleShift } from './least-squares.ts';

export interface StitchedFrame {
  /** Frame index within the analysed range. */
  index: number;
  depth: Float32Array;
  /** The network's pose for this frame (9 numbers), when it predicts poses. */
  pose: number[] | null;
}

/** Everything the stitcher carries between windows: enough to resume after the last finished window. */
export interface StitchState {
  windowsDone: number;
  refs: Float32Array[];
  pending: Float32Array[];
  pendingPoses: (number[] | null)[];
}

/**
 * Video-Depth-Anything's long-video stitching, streamed: each window is aligned to the references in
 * disparity space (one least-squares scale/shift from its first overlap-interpLen slots), clamped at 0,
 * cross-faded linearly with the previous window over interpLen frames, and appended. Frames are
 * emitted as soon as no later window can change them, so memory is one window, not the clip.
 */
export class WindowStitcher {
  private st: StitchState;
  readonly step: number;
  readonly alignLen: number;

  constructor(
    readonly params: WindowParams,
    readonly length: number,
    state?: StitchState,
  ) {
    this.step = params.T - params.overlap;
    this.alignLen = params.overlap - params.interpLen;
    this.st = state ?? { windowsDone: 0, refs: [], pending: [], pendingPoses: [] };
  }

  get windowsDone(): number {
    return this.st.windowsDone;
  }

  state(): StitchState {
    return { ...this.st, refs: [...this.st.refs], pending: [...this.st.pending], pendingPoses: [...this.st.pendingPoses] };
  }

  /** Feed window k's T output maps (disparity), in order; returns the frames now final. */
  push(outputs: Float32Array[], poses: (number[] | null)[] | null = null): StitchedFrame[] {
    const { T, overlap, keyframes, interpLen } = this.params;
    if (outputs.length !== T) throw new Error(`window has ${outputs.length} maps, expected ${T}`);
    const k = this.st.windowsDone;
    const base = k * this.step;
    const pose = (i: number) => (poses ? poses[i] : null);
    const emitted: StitchedFrame[] = [];
    const emit = (slot: number, depth: Float32Array, p: number[] | null) => {
      if (base + slot < this.length) emitted.push({ index: base + slot, depth, pose: p });
    };
    let aligned: (i: number) => Float32Array;
    if (k === 0) {
      aligned = (i) => outputs[i];
      this.st.refs = keyframes.slice(0, this.alignLen).map((kf) => outputs[kf]);
      for (let i = 0; i < T - interpLen; i++) emit(i, outputs[i], pose(i));
    } else {
      const { scale, shift } = fitScaleShift(outputs.slice(0, this.alignLen), this.st.refs);
      aligned = (i) => applyScaleShift(outputs[i], scale, shift);
      for (let i = 0; i < interpLen; i++) {
        const w = i / (interpLen - 1);
        const pre = this.st.pending[i];
        const post = aligned(this.alignLen + i);
        const mixed = new Float32Array(pre.length);
        for (let j = 0; j < pre.length; j++) mixed[j] = pre[j] * (1 - w) + post[j] * w;
        emit(this.alignLen + i, mixed, this.st.pendingPoses[i] ?? null);
      }
      for (let i = overlap; i < T - interpLen; i++) emit(i, aligned(i), pose(i));
      this.st.refs = [this.st.refs[0], ...keyframes.slice(1, this.alignLen).map((kf) => aligned(kf))];
    }
    this.st.pending = [];
    this.st.pendingPoses = [];
    for (let i = T - interpLen; i < T; i++) {
      this.st.pending.push(aligned(i));
      this.st.pendingPoses.push(pose(i));
    }
    this.st.windowsDone = k + 1;
    return emitted;
  }

  /** After the last window: the frames held back for a cross-fade that will not come. */
  flush(): StitchedFrame[] {
    const base = (this.st.windowsDone - 1) * this.step + this.params.T - this.params.interpLen;
    const out: StitchedFrame[] = [];
    this.st.pending.forEach((d, i) => {
      if (base + i < this.length) out.push({ index: base + i, depth: d, pose: this.st.pendingPoses[i] ?? null });
    });
    this.st.pending = [];
    this.st.pendingPoses = [];
    return out;
  }
}
