/** Data that flows through the engine. Plain data only: the renderer imports these types too. */

/** Exact rational rate, e.g. 30000/1001. */
export interface Rational {
  num: number;
  den: number;
}

export interface VideoInfo {
  path: string;
  /** 'video' for containers ffmpeg demuxes, 'images' for a folder of PNG/JPG frames. */
  kind: 'video' | 'images';
  /** Display size, after rotation. */
  width: number;
  height: number;
  codedWidth: number;
  codedHeight: number;
  rotation: number;
  frameRate: Rational;
  fps: number;
  frameCount: number;
  duration: number;
  pixelFormat: string;
  codec: string;
  hasAudio: boolean;
  audioCodec?: string;
  variableFrameRate: boolean;
  /** Presentation time (seconds from the first frame) of every frame; frames are indexed by it. */
  timestamps: number[];
  /** Presentation times of keyframes (same clock as `timestamps`); seeking lands on these. */
  keyframeTimes?: number[];
  /** Start time of the first frame in the container's clock (seconds). */
  startTime: number;
  /** Image files in order, for kind 'images'. */
  files?: string[];
  colorSpace?: string;
  colorPrimaries?: string;
  colorTransfer?: string;
  colorRange?: string;
  /** Interlaced source (field_order not progressive): decoding deinterlaces it. */
  interlaced?: boolean;
}

/** One decoded picture, RGB 8-bit interleaved, row-major. */
export interface RgbFrame {
  index: number;
  time: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export type DepthKind = 'metric' | 'relative-inverse';

/** One depth map, float32 row-major. */
export interface DepthMap {
  index: number;
  width: number;
  height: number;
  kind: DepthKind;
  data: Float32Array;
}

/** Pinhole intrinsics in pixels for an image of width x height. */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** Camera-to-world, OpenCV axes (x right, y down, z forward), row-major 4x4. */
export type Mat4 = number[];

export interface Progress {
  stage: string;
  done: number;
  total: number;
  fps: number;
  etaSeconds: number | null;
  device?: string;
  message?: string;
}
