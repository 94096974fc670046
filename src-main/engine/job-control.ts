import type { Progress } from '../common/types.ts';

/** How a front end drives a long job: cancel it through `signal`, hear its progress. */
export interface JobControl {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}
