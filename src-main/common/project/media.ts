import { z } from 'zod';

/** A clip whose file is gone or changed, as opening a project reports it (engine/project/io.ts: checkMedia). */
export interface MediaIssue {
  clipId: string;
  path: string;
  problem: 'missing' | 'changed';
  /** Where a file with the same content was found (same name beside the project or the old folder). */
  candidate: string | null;
  message: string;
}

/** The recent-projects list kept in the config folder (engine/project/recent.ts). */
export const RecentSchema = z.array(z.object({ path: z.string(), name: z.string(), openedAt: z.string() }));
export type RecentProject = z.infer<typeof RecentSchema>[number];
