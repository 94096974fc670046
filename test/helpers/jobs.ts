import type { EngineApi, JobInfo } from '../../src-main/common/api/types.ts';

/** Resolves with the job once it has stopped running (done, error or cancelled). */
export function jobFinished(api: EngineApi, jobId: string): Promise<JobInfo> {
  return new Promise<JobInfo>((resolve) => {
    const off = api.onJobEvent((e) => {
      if (e.job.id === jobId && e.job.state !== 'running') {
        off();
        resolve(e.job);
      }
    });
  });
}
