/** A fixed pseudo-random draw in (-1, 1) per (frame, k), so the harness's synthetic errors are the same every run. */
export const frameDraw = (frame: number, k: number): number => (Math.sin(12.9898 * (frame + 1) + 78.233 * k) * 43758.5453) % 1;
