import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clip } from '../helpers/shared.ts';

/**
 * An .otio cut as another editor writes it (hand-written JSON, not GemDepth's exporter): cockatoo
 * frames 30..69 (Clip.1, media_reference, rate 20), cockatoo 150..179 (Clip.2, media_references, times
 * at rate 24), a 5-frame gap, realshort frames 5..28 (rate 45000/1499, another size).
 */

export const CUT_FRAMES = 40 + 30 + 5 + 16;

const rt = (value: number, rate: number) => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
const tr = (start: number, dur: number, rate: number) => ({ OTIO_SCHEMA: 'TimeRange.1', start_time: rt(start, rate), duration: rt(dur, rate) });
const ext = (name: string) => ({ OTIO_SCHEMA: 'ExternalReference.1', target_url: pathToFileURL(clip(name)).href, available_range: null, metadata: {} });

export function cutJson(over: { effects?: unknown[]; extra?: unknown[] } = {}) {
  const RS = 45000 / 1499;
  return {
    OTIO_SCHEMA: 'Timeline.1',
    name: 'two clips',
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      children: [
        {
          OTIO_SCHEMA: 'Track.1',
          kind: 'Video',
          children: [
            { OTIO_SCHEMA: 'Clip.1', name: 'bird A', source_range: tr(30, 40, 20), media_reference: ext('cockatoo.mp4'), metadata: {} },
            {
              OTIO_SCHEMA: 'Clip.2',
              name: 'bird B',
              source_range: tr(180, 36, 24),
              media_references: { DEFAULT_MEDIA: ext('cockatoo.mp4') },
              active_media_reference_key: 'DEFAULT_MEDIA',
              metadata: over.effects ? { gemdepth: { effects: over.effects } } : {},
            },
            { OTIO_SCHEMA: 'Gap.1', source_range: tr(0, 0.25, 1) },
            ...(over.extra ?? []),
            { OTIO_SCHEMA: 'Clip.2', name: 'desk', source_range: tr(5, 24, RS), media_references: { DEFAULT_MEDIA: ext('realshort.mp4') } },
          ],
        },
      ],
    },
  };
}

export async function writeCut(dir: string, json: unknown = cutJson(), name = 'cut.otio'): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, JSON.stringify(json, null, 2));
  return p;
}
